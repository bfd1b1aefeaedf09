/**
 * `mailwarden playbooks validate FILE` as a user runs it (the built CLI): errors with dotted paths exit 2,
 * warnings are said and exit 0.
 */
import { mkdtempSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { execa } from "execa";
import { describe, expect, it } from "vitest";

const BIN = path.resolve("dist/cli/bin.js");
const dir = mkdtempSync(path.join(os.tmpdir(), "mw-validate-"));
const cli = (args: string[]) => execa(process.execPath, [BIN, ...args], { reject: false, timeout: 60_000 });

function file(name: string, text: string): string {
  const f = path.join(dir, name);
  writeFileSync(f, text);
  return f;
}

const HEAD = `apiVersion: mailwarden/v1
kind: Playbook
metadata: { id: mine, version: 1 }
trigger: { targets: [inboxRule] }
`;

describe("mailwarden playbooks validate", () => {
  it("a valid playbook with warnings: exit 0, the warnings with their paths", async () => {
    const f = file(
      "ok.yaml",
      `${HEAD}gather:
  - { id: risk, action: user.readRisk }
steps:
  - { id: disable, action: inboxRule.disable, if: { path: context.risk.riskLevel, equals: high } }
  - { id: confirm, action: user.confirmCompromised }
`,
    );
    const r = await cli(["playbooks", "validate", f]);
    expect(r.exitCode).toBe(0);
    expect(r.stdout).toMatch(
      /warning[\s│]+steps\.1\.action[\s│]+user\.confirmCompromised cannot be compensated/,
    );
    expect(r.stdout).toContain("valid (playbook mine), 0 error(s), 1 warning(s)");
  });

  it("errors: exit 2 with every error at its dotted path (json too)", async () => {
    const f = file(
      "bad.yaml",
      `${HEAD}gather:
  - { id: fwd, action: mailboxForwarding.clear }
steps:
  - { id: t, action: transportRule.disable, approval: manual }
  - { id: d, action: inboxRule.disable, if: { path: context.nothere, exists: true } }
`,
    );
    const r = await cli(["playbooks", "validate", f, "--format", "json"]);
    expect(r.exitCode).toBe(2);
    const out = JSON.parse(r.stdout) as { valid: boolean; issues: { path: string; level: string }[] };
    expect(out.valid).toBe(false);
    expect(out.issues.filter((i) => i.level === "error").map((i) => i.path)).toEqual([
      "gather.0.action",
      "steps.0.action",
      "steps.1.if.path",
    ]);
  });

  it("a missing file and a schema error are usage errors", async () => {
    expect((await cli(["playbooks", "validate", path.join(dir, "nope.yaml")])).exitCode).toBe(2);
    const r = await cli(["playbooks", "validate", file("typo.yaml", `${HEAD}stepz: []\n`)]);
    expect(r.exitCode).toBe(2);
    expect(r.stdout).toMatch(/error[\s│]+stepz[\s│]+unknown key; did you mean steps\?/);
  });
});
