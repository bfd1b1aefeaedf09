/**
 * The watch loop on an injected clock and sleep: how far each hunt reaches back (the persisted watermark, minus the
 * overlap), that the watermark moves only when every hit reached the runner, that alerts and incidents are taken
 * once (the cursor and the ids seen at it), that a failed tick is retried, and that a stop ends the loop at once.
 */
import { mkdtempSync, readFileSync, readdirSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import type { Hit } from "../../src/model/hit.js";
import { readWatchState, writeWatchState } from "../../src/mainjob/watch-state.js";
import { lookbackFor, watchLoop, type WatchDeps, type WatchOptions } from "../../src/mainjob/watch.js";
import type { JobOutcome } from "../../src/runner/job.js";

const MIN = 60_000;
const opts: WatchOptions = {
  intervalMs: 5 * MIN,
  overlapMs: 60 * MIN,
  maxLookbackMs: 30 * 1440 * MIN,
  alerts: true,
};

const hit = (key: string, upn: string) =>
  ({ hitKey: key.padEnd(32, "0"), user: { id: upn, upn }, target: { kind: "inboxRule" } }) as unknown as Hit;

function fakes(
  o: { alerts?: Record<string, unknown>[][]; huntFails?: number[]; abortInDrive?: number } = {},
) {
  const stateFile = path.join(mkdtempSync(path.join(os.tmpdir(), "mw-watch-")), "watch-state.json");
  let now = Date.parse("2026-12-05T10:00:00Z");
  const ctl = new AbortController();
  const calls = {
    hunts: [] as string[],
    scans: [] as string[][],
    drives: [] as string[][],
    alertSince: [] as (string | undefined)[],
  };
  let tick = 0;
  const deps: WatchDeps = {
    hunt: ({ lookback }) => {
      tick++;
      calls.hunts.push(lookback);
      if (o.huntFails?.includes(tick)) return Promise.reject(new Error("Defender refused the query"));
      return Promise.resolve({
        target: "defender",
        columns: [],
        rows: [{}],
        hits: [hit(`h${tick}`, "a@x.com")],
        problems: [],
        truncated: false,
      });
    },
    listSecurity: (kind, since) => {
      if (kind === "alerts") calls.alertSince.push(since);
      return Promise.resolve(kind === "alerts" ? (o.alerts?.[tick - 1] ?? []) : []);
    },
    scan: (users) => {
      calls.scans.push(users);
      return Promise.resolve({ hits: users.map((u) => hit(`s-${u.length}`, u)), notScanned: [] });
    },
    drive: (hits) => {
      calls.drives.push(hits.map((h) => h.hitKey.replace(/0+$/, "")));
      if (o.abortInDrive === tick) ctl.abort();
      return Promise.resolve({ runs: [{ state: "done" }], hits: [], skipped: [] } as unknown as JobOutcome);
    },
    now: () => new Date(now),
    sleep: (ms) => {
      now += ms;
      return Promise.resolve();
    },
    stateFile,
    stop: ctl.signal,
    log: () => undefined,
  };
  return { deps, calls, ctl, stateFile, advance: (ms: number) => (now += ms) };
}

describe("watch loop", () => {
  it("the first hunt looks back hunting.lookbackDays; later ones from the watermark minus the overlap", async () => {
    const f = fakes();
    await watchLoop(f.deps, { ...opts, maxTicks: 3 });
    expect(f.calls.hunts).toEqual(["43200m", "65m", "65m"]);
    const s = readWatchState(f.stateFile);
    expect(s.ticks).toBe(3);
    expect(s.huntedFrom).toBe("2026-12-05T10:10:00.000Z");
    expect(lookbackFor(s, new Date(Date.parse(s.huntedFrom!) + 2 * 60 * MIN), opts)).toBe("180m");
  });

  it("a restart reads the watermark: no hunt from zero, nothing between missed", async () => {
    const f = fakes();
    await watchLoop(f.deps, { ...opts, maxTicks: 1 });
    f.advance(7 * 60 * MIN); // down for seven hours
    await watchLoop(f.deps, { ...opts, maxTicks: 1 });
    expect(f.calls.hunts).toEqual(["43200m", `${7 * 60 + 60}m`]);
  });

  it("a stop during the drive keeps the watermark: the next start looks at the same window again", async () => {
    const f = fakes({ abortInDrive: 2 });
    await watchLoop(f.deps, { ...opts, maxTicks: 5 });
    expect(f.calls.drives.length).toBe(2);
    const s = readWatchState(f.stateFile);
    expect(s.huntedFrom).toBe("2026-12-05T10:00:00.000Z"); // the first tick's start, not the second's
    expect(s.ticks).toBe(2);
  });

  it("alerts: the users they name are scanned, each alert is taken once, one at the cursor's instant is not missed", async () => {
    const user = (upn: string) => ({
      "@odata.type": "#microsoft.graph.security.userEvidence",
      userAccount: { userPrincipalName: upn },
    });
    const a1 = { id: "a1", createdDateTime: "2026-12-05T09:59:00Z", evidence: [user("Bob@x.com")] };
    const a2 = { id: "a2", createdDateTime: "2026-12-05T09:59:00Z", evidence: [user("carol@x.com")] };
    // tick 1 sees a1; tick 2 (asked `ge` the cursor) sees a1 again and a2 made in the same instant; tick 3 nothing new.
    const f = fakes({ alerts: [[a1], [a1, a2], [a1, a2]] });
    await watchLoop(f.deps, { ...opts, maxTicks: 3 });
    // The hunted user's mailbox is read every tick; the users new alerts name are added to it.
    expect(f.calls.scans).toEqual([["a@x.com", "bob@x.com"], ["a@x.com", "carol@x.com"], ["a@x.com"]]);
    expect(f.calls.alertSince).toEqual([undefined, "2026-12-05T09:59:00Z", "2026-12-05T09:59:00Z"]);
    expect(readWatchState(f.stateFile).seenAtCursor.sort()).toEqual(["alert:a1", "alert:a2"]);
    expect(f.calls.drives[0]).toContain("h1");
    expect(f.calls.drives[0]).toContain("s-9");
  });

  it("a failed tick is logged and retried at the next interval without moving the watermark; too many in a row end it", async () => {
    const f = fakes({ huntFails: [2] });
    await watchLoop(f.deps, { ...opts, maxTicks: 3 });
    expect(f.calls.hunts).toEqual(["43200m", "65m", "70m"]);
    const g = fakes({ huntFails: [1, 2, 3] });
    await expect(watchLoop(g.deps, { ...opts, maxFailures: 3 })).rejects.toThrow("Defender refused");
  });

  it("a stop before the first tick does nothing; the state file is replaced atomically (no temporary left)", async () => {
    const f = fakes();
    f.ctl.abort();
    expect(await watchLoop(f.deps, opts)).toEqual([]);
    expect(f.calls.hunts).toEqual([]);
    writeWatchState(f.stateFile, {
      version: 1,
      seenAtCursor: [],
      ticks: 4,
      huntedFrom: "2026-01-01T00:00:00.000Z",
    });
    expect(readdirSync(path.dirname(f.stateFile))).toEqual(["watch-state.json"]);
    expect(JSON.parse(readFileSync(f.stateFile, "utf8"))).toMatchObject({ ticks: 4 });
  });
});

describe("collectHits", () => {
  const scanned = { hits: [hit("scan1", "b@x.com")], notScanned: [] };
  const hunted = {
    target: "defender" as const,
    columns: [],
    rows: [],
    hits: [hit("hunt1", "a@x.com")],
    problems: [],
    truncated: false,
  };
  it("scan reads every mailbox; hunt reads the hunted users' only; both reads every mailbox and hunts", async () => {
    const { collectHits } = await import("../../src/mainjob/sources.js");
    const calls: (string[] | undefined)[] = [];
    const from = {
      hunt: () => Promise.resolve(hunted),
      scan: (u?: string[]) => (calls.push(u), Promise.resolve(scanned)),
    };
    expect((await collectHits("scan", from)).hits.map((h) => h.user.upn)).toEqual(["b@x.com"]);
    expect((await collectHits("hunt", from)).hits.map((h) => h.user.upn)).toEqual(["a@x.com", "b@x.com"]);
    expect((await collectHits("both", from)).hits.map((h) => h.user.upn)).toEqual(["a@x.com", "b@x.com"]);
    expect(calls).toEqual([undefined, ["a@x.com"], undefined]);
  });
});
