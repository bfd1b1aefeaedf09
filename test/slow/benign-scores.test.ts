/**
 * The score distribution of benign records (issue 12 §3): every scenario of the generator, on a larger tenant than
 * the quality test's (more benign noise: people's own rules, assistants' delegations, travel), hunted offline on both
 * targets. Prints the distribution (docs/hunting.md records it) and fails if any benign record is rated high.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { generateTenant, writeGenerated } from "../../src/emulator/generator/index.js";
import { huntOffline } from "../../src/hunt/offline.js";

const dir = mkdtempSync(path.join(tmpdir(), "mw-benign-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("benign score distribution", () => {
  it.each([
    { seed: 11, users: 20, days: 3 },
    { seed: 23, users: 60, days: 7 },
  ])(
    "no benign record is high (seed $seed, $users users, $days days)",
    async ({ seed, users, days }) => {
      const g = generateTenant({ scenarios: "all", users, days, seed });
      const out = path.join(dir, String(seed));
      await writeGenerated(g, out, { formats: ["csv"] });
      const attack = new Set(g.truth.scenarios.flatMap((s) => s.actions.map((a) => a.auditId)));
      for (const target of ["defender", "sentinel"] as const) {
        const r = await huntOffline({
          paths: [path.join(out, target)],
          targets: [target],
          profile: "default",
          params: {},
          riskThreshold: 50,
          tenantId: "benign",
        });
        const benign = r.runs[0]!.hits.filter(
          (h) => !(h.action.recordIds ?? [h.action.recordId ?? ""]).some((id) => attack.has(id)),
        );
        const bands = { low: 0, medium: 0, high: 0 };
        for (const h of benign) bands[h.severity] += 1;
        const scores = benign.map((h) => h.score).sort((a, b) => a - b);
        console.log(
          `benign (seed ${seed}, ${users} users, ${days} days, ${target}): ${benign.length} hit(s) ${JSON.stringify(bands)} scores ${JSON.stringify(scores)}`,
        );
        expect(
          bands.high,
          benign
            .filter((h) => h.severity === "high")
            .map((h) => `${h.user.upn} ${h.action.operation} ${h.reasons.map((x) => x.code).join(",")}`)
            .join("; "),
        ).toBe(0);
      }
    },
    600_000,
  );
});
