import { mkdtempSync, readFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { closeAuditLog, createAuditLog, redact } from "../../src/audit/log.js";
import { table, termSafe } from "../../src/cli/output.js";

describe("terminal output of attacker-chosen text", () => {
  it("neutralises ANSI escapes, control characters and bidi overrides", () => {
    const evil = "rule\u001b[2J\u001b]0;owned\u0007\r\nname\u202egnp.exe";
    const s = termSafe(evil);
    // eslint-disable-next-line no-control-regex -- asserting the absence of control characters
    expect(s).not.toMatch(/[\u0000-\u001f\u202e]/);
    expect(s).toContain("\\u{1b}[2J");
    expect(s).toContain("\\u{202e}");
  });
  it("truncates very long names and keeps tables single-line", () => {
    expect(termSafe("x".repeat(5000)).length).toBe(120);
    expect(table(["a"], [["line1\nline2"]])).not.toContain("line1\nline2");
  });
});

describe("audit log", () => {
  it("redacts secrets by key and JWTs by shape, and writes JSON lines", async () => {
    const f = path.join(mkdtempSync(path.join(os.tmpdir(), "mw-audit-")), "a.jsonl");
    const log = createAuditLog(f);
    const jwt = "eyJhbGciOiJSUzI1NiJ9.eyJyb2xlcyI6WyJ4Il19.c2lnbmF0dXJlc2lnbmF0dXJl";
    log.info("step.start", {
      clientSecret: "hunter2",
      nested: { AccessToken: jwt },
      note: `Bearer ${jwt}`,
      rule: "x'; Remove-Mailbox",
    });
    await closeAuditLog(log);
    const text = readFileSync(f, "utf8");
    expect(text).not.toContain("hunter2");
    expect(text).not.toContain(jwt);
    const rec = JSON.parse(text.trim().split("\n")[0]!) as Record<string, unknown>;
    expect(rec).toMatchObject({
      message: "step.start",
      clientSecret: "[redacted]",
      nested: { AccessToken: "[redacted]" },
      note: "Bearer [redacted-jwt]",
      rule: "x'; Remove-Mailbox",
    });
    expect(rec.timestamp).toEqual(expect.any(String));
  });
  it("redact leaves ordinary data alone", () => {
    expect(redact({ a: [1, "b", { c: null }] })).toEqual({ a: [1, "b", { c: null }] });
  });
  it("keeps idempotency keys and journal keys (they are the record, not secrets), redacts API keys", () => {
    expect(
      redact({
        key: "t:case:user.revokeSessions:u1/sessions",
        idempotencyKey: "t:c:a:x",
        apiKey: "s3cr3t",
        client_key: "k",
      }),
    ).toEqual({
      key: "t:case:user.revokeSessions:u1/sessions",
      idempotencyKey: "t:c:a:x",
      apiKey: "[redacted]",
      client_key: "[redacted]",
    });
  });
});
