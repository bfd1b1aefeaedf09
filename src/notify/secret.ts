/** The webhook's HMAC key, from an environment variable or a file: read when a notice is sent, never logged. */
import { readFile } from "node:fs/promises";

export type SecretRef = { secretEnv?: string | undefined; secretFile?: string | undefined };

export type SecretResult = { ok: true; secret: string } | { ok: false; reason: string };

export async function resolveSecret(ref: SecretRef, env: NodeJS.ProcessEnv): Promise<SecretResult> {
  if (ref.secretEnv !== undefined) {
    const v = env[ref.secretEnv];
    if (!v)
      return { ok: false, reason: `environment variable ${ref.secretEnv} (webhook secretEnv) is not set` };
    return { ok: true, secret: v };
  }
  if (ref.secretFile !== undefined) {
    let text: string;
    try {
      text = await readFile(ref.secretFile, "utf8");
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code ?? "error";
      return { ok: false, reason: `cannot read the webhook secretFile (${code})` };
    }
    const first = text.split(/\r?\n/)[0]?.trim() ?? "";
    if (first === "") return { ok: false, reason: "the webhook secretFile is empty" };
    return { ok: true, secret: first };
  }
  return { ok: false, reason: "no webhook secret configured (secretEnv or secretFile)" };
}
