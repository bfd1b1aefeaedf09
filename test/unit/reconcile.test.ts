/**
 * Hunted hits against what a scan read live (src/mainjob/sources.ts reconcileHunted): an unnamed hunted rule is
 * stood for by the scan's suspect rules of its mailbox, a hunted transport rule by the live one of its name, a
 * hunted rule no longer in a mailbox read completely is gone — and nothing is dropped on a guess.
 */
import { describe, expect, it } from "vitest";
import { reconcileHunted } from "../../src/mainjob/sources.js";
import type { Hit } from "../../src/model/hit.js";

let n = 0;
const rule = (by: "hunt" | "scan", upn: string, ruleName: string) =>
  ({
    hitKey: String(++n).padStart(32, "0"),
    detectedBy: by,
    user: { id: `id-${upn}`, upn },
    target: { kind: "inboxRule", mailboxId: `id-${upn}`, upn, ruleName, contentFingerprint: "f" },
  }) as unknown as Hit;
const transport = (by: "hunt" | "scan", name: string, guid: string) =>
  ({
    hitKey: String(++n).padStart(32, "0"),
    detectedBy: by,
    user: { id: "org", upn: "contoso.onmicrosoft.com" },
    target: { kind: "transportRule", guid, name },
  }) as unknown as Hit;
const mbx = (upn: string, names: string[]) => ({
  upn,
  userId: `id-${upn}`,
  rules: names.map((name) => ({ name })),
});

describe("reconcileHunted", () => {
  it("an unnamed hunted rule goes where the scan found suspect rules in that mailbox, stays where it found none", () => {
    const unnamedA = rule("hunt", "a@x.com", "");
    const scanA = rule("scan", "a@x.com", "x");
    const unnamedB = rule("hunt", "b@x.com", "");
    const r = reconcileHunted([unnamedA, scanA, unnamedB], {
      hits: [scanA],
      notScanned: [],
      mailboxes: [mbx("a@x.com", ["x"]), mbx("b@x.com", [])],
    });
    expect(r.hits).toEqual([scanA, unnamedB]);
    expect(r.identified).toBe(1);
  });

  it("a hunted rule whose mailbox holds no rule of that name is gone — unless the mailbox was not read, or hidden rules were not", () => {
    const gone = rule("hunt", "c@x.com", "..");
    const here = rule("hunt", "d@x.com", ".");
    const scan = {
      hits: [],
      notScanned: [],
      mailboxes: [mbx("c@x.com", ["Newsletter"]), mbx("d@x.com", ["."])],
    };
    const r = reconcileHunted([gone, here], scan);
    expect(r.gone).toEqual([gone]);
    expect(r.hits).toEqual([here]);
    const unread = reconcileHunted([gone], {
      ...scan,
      notScanned: [{ surface: "exchange rules", mailbox: "c@x.com", reason: "timeout" }],
    });
    expect(unread.hits).toEqual([gone]);
    expect(reconcileHunted([gone], scan, { hiddenRulesRead: false }).hits).toEqual([gone]);
  });

  it("a hunted transport rule is stood for by the live one of its name only", () => {
    const hunted = transport("hunt", "Compliance Journal", "Compliance Journal");
    const live = transport("scan", "compliance journal", "6f1c0a51-0d8e-4b8e-9f3a-1c2d3e4f5a6b");
    const other = transport("hunt", "Other", "Other");
    const r = reconcileHunted([hunted, live, other], { hits: [live], notScanned: [] });
    expect(r.hits).toEqual([live, other]);
    expect(r.identified).toBe(1);
  });
});
