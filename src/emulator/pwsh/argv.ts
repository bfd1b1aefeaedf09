/**
 * The part of pwsh's command line the stand-in honours: `-NoLogo -NoProfile -NonInteractive -File <script> [args]`.
 * Parameter names are case-insensitive and may be abbreviated to an unambiguous prefix, as pwsh allows
 * (`-nol`, `-nop`, `-noni`, `-f`). -File must come last (everything after the path belongs to the script).
 * Only non-interactive mode is emulated: prompts fail like pwsh's under -NonInteractive.
 */
export type PwshArgs = { ok: true; file: string; scriptArgs: string[] } | { ok: false; message: string };

const SWITCHES = ["nologo", "noprofile", "noninteractive"] as const;

function matchSwitch(arg: string): (typeof SWITCHES)[number] | "file" | null {
  const name = arg.replace(/^-{1,2}/, "").toLowerCase();
  if (name.length === 0) return null;
  if (name === "f" || (name.length >= 2 && "file".startsWith(name))) return "file";
  const hits = SWITCHES.filter((s) => s.startsWith(name));
  if (hits.length === 1 && hits[0]) return hits[0];
  return SWITCHES.find((s) => s === name) ?? null;
}

export function parsePwshArgs(argv: readonly string[]): PwshArgs {
  const seen = new Set<string>();
  for (let i = 0; i < argv.length; i += 1) {
    const arg = argv[i] ?? "";
    const which = arg.startsWith("-") ? matchSwitch(arg) : null;
    if (which === null) {
      return {
        ok: false,
        message: `Invalid argument '${arg}': the mailwarden pwsh stand-in accepts only -NoLogo, -NoProfile, -NonInteractive and -File <script>.`,
      };
    }
    if (which === "file") {
      const file = argv[i + 1];
      if (file === undefined) return { ok: false, message: "Missing the argument for parameter -File." };
      if (!seen.has("noninteractive")) {
        return {
          ok: false,
          message:
            "The mailwarden pwsh stand-in emulates -NonInteractive mode only; pass -NonInteractive before -File.",
        };
      }
      return { ok: true, file, scriptArgs: argv.slice(i + 2) };
    }
    seen.add(which);
  }
  return { ok: false, message: "The mailwarden pwsh stand-in runs scripts only: pass -File <script>." };
}
