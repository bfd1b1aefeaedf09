/**
 * NODE_EXTRA_CA_CERTS is read only when a Node process starts, and Node 20 cannot add a CA at run time. A
 * command that must trust a private CA (the emulated tenant's) re-executes itself once with the variable set.
 */
import { spawn } from "node:child_process";
import path from "node:path";

export const REEXEC_MARK = "MAILWARDEN_REEXEC";

/** Whether ensureTrusted(caFile) would re-execute this process. */
export function needsReexec(caFile: string | undefined): boolean {
  if (!caFile) return false;
  const cur = process.env.NODE_EXTRA_CA_CERTS;
  return !(cur && path.resolve(cur) === path.resolve(caFile));
}

/** True when this process already trusts `caFile`; otherwise runs a child that does and exits with its code. */
export async function ensureTrusted(caFile: string | undefined): Promise<void> {
  if (!caFile) return;
  const want = path.resolve(caFile);
  if (process.env.NODE_EXTRA_CA_CERTS && path.resolve(process.env.NODE_EXTRA_CA_CERTS) === want) return;
  if (process.env[REEXEC_MARK])
    throw new Error(`NODE_EXTRA_CA_CERTS does not name ${want} after re-executing`);
  const child = spawn(process.execPath, [...process.execArgv, ...process.argv.slice(1)], {
    stdio: "inherit",
    env: { ...process.env, NODE_EXTRA_CA_CERTS: want, [REEXEC_MARK]: "1" },
  });
  const forward = (sig: NodeJS.Signals) => () => child.kill(sig);
  process.on("SIGINT", forward("SIGINT"));
  process.on("SIGTERM", forward("SIGTERM"));
  const code = await new Promise<number>((resolve) =>
    child.on("exit", (c, s) => resolve(c ?? (s ? 128 + 2 : 1))),
  );
  process.exit(code);
}
