/**
 * The audit log: append-only JSON lines through winston. Secrets are redacted by key name and by shape (JWTs,
 * client secrets) before anything is written; attacker-controlled strings are data inside JSON, never formatted
 * into text.
 */
import { mkdirSync } from "node:fs";
import path from "node:path";
import winston from "winston";

const SECRET_KEYS =
  /^(client_?secret|secret|password|access_?token|refresh_?token|token|authorization|assertion|client_assertion|certificatePassword|privateKey|api_?key|client_?key)$/i;
const JWT = /\beyJ[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]{5,}\b/g;

export function redact(value: unknown, depth = 0): unknown {
  if (depth > 12) return "[depth]";
  if (typeof value === "string") return value.replace(JWT, "[redacted-jwt]");
  if (Array.isArray(value)) return value.map((v) => redact(v, depth + 1));
  if (value && typeof value === "object") {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value))
      out[k] = SECRET_KEYS.test(k) ? "[redacted]" : redact(v, depth + 1);
    return out;
  }
  return value;
}

const redactFormat = winston.format((info) => {
  const cleaned = redact({ ...info }) as Record<string, unknown>;
  for (const k of Object.keys(cleaned)) (info as Record<string, unknown>)[k] = cleaned[k];
  return info;
});

export type AuditLogger = winston.Logger;

export function createAuditLog(file: string | undefined): AuditLogger {
  const transports: winston.transport[] = [];
  if (file) {
    mkdirSync(path.dirname(path.resolve(file)), { recursive: true });
    transports.push(new winston.transports.File({ filename: file, options: { flags: "a", mode: 0o600 } }));
  }
  return winston.createLogger({
    level: "info",
    format: winston.format.combine(winston.format.timestamp(), redactFormat(), winston.format.json()),
    transports,
    silent: transports.length === 0,
  });
}

/** Waits until everything logged so far is on disk. */
export function closeAuditLog(log: AuditLogger): Promise<void> {
  return new Promise((resolve) => {
    log.on("finish", () => resolve());
    log.end();
  });
}
