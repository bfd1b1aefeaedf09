/** The faults file: validation with dotted paths, JSON/YAML loading, template matching, windows, visibility. */
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createClock } from "../../src/emulator/clock.js";
import { FaultsError, loadFaultsFile, parseFaults } from "../../src/emulator/faults/config.js";
import { ruleMatches } from "../../src/emulator/faults/match.js";
import { createVisibility } from "../../src/emulator/faults/visibility.js";
import { SlidingWindow } from "../../src/emulator/faults/window.js";

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), "mw-faults-"));
});
afterAll(async () => rm(dir, { recursive: true, force: true }));

function issues(input: unknown): string[] {
  try {
    parseFaults(input);
  } catch (err) {
    expect(err).toBeInstanceOf(FaultsError);
    return (err as FaultsError).issues.map((i) => i.path);
  }
  throw new Error("expected a FaultsError");
}

describe("parseFaults", () => {
  it("defaults: no rules, every limit on, consistency off", () => {
    const f = parseFaults(undefined);
    expect(f.rules).toEqual([]);
    expect(Object.values(f.limits).every(Boolean)).toBe(true);
    expect(f.consistency).toMatchObject({ enabled: false, revokeDelayMs: 180_000 });
  });

  it("names the dotted path of each bad field", () => {
    expect(issues({ rules: [{ face: "graph", fault: { type: "throttle", retryAfter: -1 } }] })).toEqual([
      "rules.0.fault.retryAfter",
    ]);
    expect(issues({ rules: [{ face: "graph", fault: { type: "unavailable", status: 500 } }] })).toEqual([
      "rules.0.fault.status",
    ]);
    expect(issues({ rules: [{ face: "exchange", match: "GET /x", fault: { type: "drop" } }] })).toEqual([
      "rules.0.match",
    ]);
    expect(issues({ limits: { signIns: "yes" } })).toEqual(["limits.signIns"]);
    expect(issues({ consistency: { enabled: true, revokDelayMs: 5 } })).toEqual(["consistency.revokDelayMs"]);
    expect(issues({ rules: [{ face: "graph", probability: 2, fault: { type: "latency", ms: 5 } }] })).toEqual(
      ["rules.0.probability"],
    );
  });

  it("loads YAML and JSON files; a malformed file names the file", async () => {
    const yaml = path.join(dir, "f.yaml");
    await writeFile(
      yaml,
      "seed: 7\nrules:\n  - face: graph\n    match: GET /users/{id}/mailFolders/inbox/messageRules\n    every: 2\n    fault: { type: throttle, retryAfter: 10 }\nlimits:\n  identityProtection: false\n",
    );
    const f = await loadFaultsFile(yaml);
    expect(f.seed).toBe(7);
    expect(f.rules[0]).toMatchObject({ every: 2, fault: { type: "throttle", retryAfter: 10 } });
    expect(f.limits.identityProtection).toBe(false);
    const bad = path.join(dir, "bad.json");
    await writeFile(bad, "{ nope");
    await expect(loadFaultsFile(bad)).rejects.toThrow(/bad\.json.*\n.*cannot parse/);
    const wrong = path.join(dir, "wrong.json");
    await writeFile(
      wrong,
      JSON.stringify({ rules: [{ face: "token", fault: { type: "timeout", ms: "soon" } }] }),
    );
    await expect(loadFaultsFile(wrong)).rejects.toThrow(/rules\.0\.fault\.ms/);
  });
});

describe("ruleMatches", () => {
  const rule = (match: string, face: "graph" | "exchange" = "graph") => {
    const r = parseFaults({ rules: [{ face, match, fault: { type: "drop" } }] }).rules[0];
    if (!r) throw new Error("no rule");
    return r;
  };
  it("matches templates case-insensitively with {params} and a trailing *", () => {
    const req = {
      face: "graph" as const,
      method: "GET",
      segments: ["users", "a@b.com", "mailFolders", "Inbox", "messageRules"],
    };
    expect(ruleMatches(rule("GET /users/{id}/mailFolders/inbox/messageRules"), req)).toBe(true);
    expect(ruleMatches(rule("/users/{id}/mailfolders/{f}/messagerules"), req)).toBe(true);
    expect(ruleMatches(rule("POST /users/{id}/mailFolders/inbox/messageRules"), req)).toBe(false);
    expect(ruleMatches(rule("GET /users/{id}"), req)).toBe(false);
    expect(ruleMatches(rule("GET /users/*"), req)).toBe(true);
    expect(ruleMatches(rule("*"), req)).toBe(true);
  });
  it("matches Exchange rules by cmdlet name", () => {
    const req = { face: "exchange" as const, method: "POST", segments: [], cmdlet: "Get-InboxRule" };
    expect(ruleMatches(rule("get-inboxrule", "exchange"), req)).toBe(true);
    expect(ruleMatches(rule("Set-Mailbox", "exchange"), req)).toBe(false);
  });
});

describe("SlidingWindow and visibility on the emulator clock", () => {
  it("admits max requests per window and says how long to wait", () => {
    const w = new SlidingWindow(2, 1000);
    expect(w.take("k", 0)).toBe(0);
    expect(w.take("k", 100)).toBe(0);
    expect(w.take("k", 200)).toBe(800);
    expect(w.take("other", 200)).toBe(0);
    expect(w.take("k", 1000)).toBe(0);
  });

  it("defers changes until the clock passes the delay, in order per key", () => {
    const clock = createClock(new Date("2025-06-02T09:00:00Z"));
    const v = createVisibility(clock, () => ({
      enabled: true,
      revokeDelayMs: 180_000,
      ruleDelayMs: 60_000,
      forwardingDelayMs: 0,
    }));
    const seen: string[] = [];
    v.defer("k", () => seen.push("a"), v.delayFor("rule"));
    v.defer("k", () => seen.push("b"), 0); // never overtakes "a"
    v.defer("other", () => seen.push("now"), v.delayFor("forwarding"));
    expect(seen).toEqual(["now"]);
    expect(v.pending().map((p) => p.key)).toEqual(["k", "k"]);
    clock.advance(59_999);
    v.settle();
    expect(seen).toEqual(["now"]);
    clock.advance(1);
    v.settle();
    expect(seen).toEqual(["now", "a", "b"]);
    const off = createVisibility(clock, () => ({
      enabled: false,
      revokeDelayMs: 1,
      ruleDelayMs: 1,
      forwardingDelayMs: 1,
    }));
    expect(off.delayFor("revoke")).toBe(0);
  });
});
