/**
 * Parity: every action in the registry has a test that names it and an entry in the generated catalogue
 * (docs/actions.md); a new action without them fails the build.
 */
import { readdirSync, readFileSync, statSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { actions } from "../../src/actions/registry.js";
import { reversibilityLabel } from "../../src/actions/types.js";

function files(dir: string): string[] {
  return readdirSync(dir).flatMap((f) => {
    const p = path.join(dir, f);
    return statSync(p).isDirectory() ? files(p) : p.endsWith(".test.ts") ? [p] : [];
  });
}

const tests = files("test")
  .filter((f) => !f.endsWith("action-parity.test.ts"))
  .map((f) => readFileSync(f, "utf8"));
const catalogue = readFileSync("docs/actions.md", "utf8");

describe("action catalogue parity", () => {
  it("is sorted by id with unique ids", () => {
    const ids = actions.map((a) => a.id);
    expect(ids).toEqual([...ids].sort());
    expect(new Set(ids).size).toBe(ids.length);
  });
  it("flags exactly the actions that never write as read-only, and shows them so in the catalogue", () => {
    const readOnly = actions.filter((a) => a.readOnly).map((a) => a.id);
    expect(readOnly).toEqual([
      "autoReply.read",
      "case.linkedSignIns",
      "case.sessionPeers",
      "delegation.list",
      "inboxRule.get",
      "inboxRule.list",
      "inboxRule.resolve",
      "mailboxForwarding.read",
      "user.readRisk",
    ]);
    for (const a of actions) {
      // A read-only action says so first among its limits, has nothing to compensate and never needs a human.
      expect(a.limits[0]?.startsWith("Read-only.") ?? false, a.id).toBe(a.readOnly === true);
      if (a.readOnly) {
        expect("compensate" in a, a.id).toBe(false);
        expect(a.attendedOnly, a.id).toBeUndefined();
      }
      const row = catalogue.split("\n").find((l) => l.startsWith(`| \`${a.id}\` |`));
      expect(row?.endsWith(` | ${reversibilityLabel(a)} |`), a.id).toBe(true);
      expect(reversibilityLabel(a)).toBe(a.readOnly ? "read-only" : a.reversibility);
    }
  });

  for (const a of actions) {
    it(`${a.id} has a test and a catalogue entry`, () => {
      const exportName = a.id.replace(/\.(\w)/, (_m, c: string) => c.toUpperCase()).replace(/^\w/, (c) => c);
      const named = tests.some(
        (t) => t.includes(`"${a.id}"`) || new RegExp(`\\b${exportName}\\b`, "i").test(t),
      );
      expect(named, `no test under test/ names ${a.id}`).toBe(true);
      expect(catalogue).toContain(`## \`${a.id}\``);
    });
  }
});
