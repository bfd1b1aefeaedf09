/**
 * Time to contain one case at emulated Microsoft latencies (issue 11 item 8a), against the sum of its unavoidable
 * round trips. A case = one compromised mailbox with the attacker's inbox rule and mailbox forwarding; the
 * playbook contain-mailbox-exfiltration disables the rule (Graph), clears the forwarding (Exchange), revokes the
 * user's sessions (Graph) and verifies each by re-reading. Every request of the tenant (token, Graph, Exchange)
 * is held for its face's latency; the request log says which requests the runner made.
 *
 * Unavoidable (what a careful hand-written script does, one request after another): per change one read of the
 * live object before writing (the before-image an undo needs, and the check that it is still the attacker's),
 * the write, and one read after it (the verification): rule GET / PATCH / GET, Get-Mailbox / Set-Mailbox /
 * Get-Mailbox, user GET / revokeSignInSessions / GET — 6 Graph + 3 Exchange requests — plus each access token
 * the run had to fetch. The ratio is the runner's wall time over the sum of those requests' latencies.
 *
 *   npm run bench:contain -- bench/contain/one-case.bench-test.ts
 *   MW_CONTAIN_GRAPH_MS=150 MW_CONTAIN_EXO_MS=1000 MW_CONTAIN_TOKEN_MS=200 MW_CONTAIN_CASES=5 npm run bench:contain -- bench/contain/one-case.bench-test.ts
 */
import { mkdtempSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { closeAuditLog, createAuditLog } from "../../src/audit/log.js";
import { actionContext } from "../../src/cli/commands/run.js";
import { scanWith } from "../../src/cli/commands/scan.js";
import { loadPlaybook } from "../../src/playbooks/load.js";
import { Job } from "../../src/runner/job.js";
import { SqliteCaseStore } from "../../src/store/sqlite.js";
import { massScenario } from "../../test/helpers/mass.js";
import { startTestTenant } from "../../test/helpers/tenant.js";
import { countBy, gitFacts, label, latencyFaults, machine, writeResult, type Latencies } from "./common.js";

const LAT: Latencies = {
  token: Number(process.env.MW_CONTAIN_TOKEN_MS ?? 200),
  graph: Number(process.env.MW_CONTAIN_GRAPH_MS ?? 150),
  exchange: Number(process.env.MW_CONTAIN_EXO_MS ?? 1000),
};
const CASES = Number(process.env.MW_CONTAIN_CASES ?? 5);

/** The unavoidable requests of one case (see the header). */
const UNAVOIDABLE = { graph: 6, exchange: 3 };

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

describe("contain one case (bench)", () => {
  it(`${CASES} cases, one at a time, at graph ${LAT.graph} ms / exchange ${LAT.exchange} ms / token ${LAT.token} ms`, async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), "mw-bench-contain-"));
    // Users 0, 2, 4, … have the rule and mailbox forwarding (test/helpers/mass.ts).
    const t = await startTestTenant({ scenario: massScenario(2 * CASES), faults: latencyFaults(dir, LAT) });
    try {
      const all = (await scanWith(t.cfg, t.handles)).hits;
      const playbook = loadPlaybook("contain-mailbox-exfiltration");
      const cases = [];
      for (let i = 0; i < CASES; i++) {
        const upn = `user${String(2 * i).padStart(3, "0")}@contoso.com`;
        const hits = all.filter((h) => h.user.upn.toLowerCase() === upn);
        expect(hits.map((h) => h.target.kind).sort()).toEqual(["inboxRule", "mailboxForwarding"]);
        const store = new SqliteCaseStore(path.join(dir, `case-${i}.sqlite`), { create: true });
        const audit = createAuditLog(undefined);
        const mark = t.mark();
        const t0 = performance.now();
        const out = await new Job({
          store,
          audit,
          actionCtx: actionContext(t.cfg, t.handles),
          playbooks: [playbook],
          guardrails: t.cfg.guardrails,
          leaseMs: 60_000,
        }).run(hits, "execute");
        const wallMs = performance.now() - t0;
        store.close();
        await closeAuditLog(audit);
        const reqs = t.emulator.requests().slice(mark);
        const tokens = reqs.filter((r) => r.face === "token" && r.method === "POST").length;
        const unavoidableMs =
          UNAVOIDABLE.graph * LAT.graph + UNAVOIDABLE.exchange * LAT.exchange + tokens * LAT.token;
        const madeMs = reqs.reduce((a, r) => a + (LAT[r.face as keyof Latencies] ?? 0), 0);
        const states = out.runs.map((r) => r.state);
        cases.push({
          user: upn,
          runStates: states,
          wallMs: Math.round(wallMs),
          requests: reqs.length,
          byFace: countBy(reqs, (r) => r.face),
          byLabel: countBy(reqs, label),
          statuses: countBy(reqs, (r) => String(r.status)),
          tokenRequests: tokens,
          unavoidableRequests: UNAVOIDABLE.graph + UNAVOIDABLE.exchange + tokens,
          unavoidableMs,
          latencyOfRequestsMadeMs: madeMs,
          ratio: Math.round((wallMs / unavoidableMs) * 1000) / 1000,
          ratioRequestsMade: Math.round((madeMs / unavoidableMs) * 1000) / 1000,
        });
        expect(states).toEqual(["done"]);
      }
      const ratios = cases.map((c) => c.ratio);
      const result = {
        bench: "contain-one-case",
        date: new Date().toISOString(),
        ...gitFacts(),
        machine: machine(),
        latenciesMs: LAT,
        playbook: "contain-mailbox-exfiltration",
        unavoidablePerCase: {
          ...UNAVOIDABLE,
          definition:
            "rule GET/PATCH/GET, Get-Mailbox/Set-Mailbox/Get-Mailbox, user GET/revokeSignInSessions/GET, one after another, plus every token request the run made",
        },
        target: 1.2,
        medianRatio: median(ratios),
        ratios,
        cases,
      };
      writeResult(`contain-one-${LAT.graph}-${LAT.exchange}`, result);
    } finally {
      await t.close();
    }
  });
});
