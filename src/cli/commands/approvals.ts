/**
 * `mailwarden approvals list | show | approve | reject`: the queue of steps waiting for a human, and the decision
 * on one of them. An approval names the plan it approves (`--plan`, the hash `list` and `show` print): when the
 * tenant changed since, the step is planned again and waits for a new approval.
 */
import type { Command } from "commander";
import { decide, listWaiting, type WaitingItem } from "../../runner/approvals.js";
import { requireConfig } from "../common.js";
import { EXIT, UsageError } from "../errors.js";
import { status, table, writeOut } from "../output.js";
import { openDecisions } from "../decisions.js";
import { renderRuns } from "./run.js";
import { parseFormat } from "./scan.js";
import { openStore, resolveId } from "./store.js";

const show = (v: unknown) => JSON.stringify(v ?? null);

function renderWaiting(items: WaitingItem[], full = false): string {
  return table(
    ["run\ncase", "user", "step\nobject", "waits because", "before → after", "plan"],
    items.map((w) => [
      `${w.runId.slice(0, 8)}\n${w.caseId.slice(0, 8)}`,
      w.user.upn,
      `${w.stepKey}\n${w.object}`,
      w.gate,
      `${show(w.before)}\n→ ${show(w.after)}${w.reversibility === "irreversible" ? "\nIRREVERSIBLE" : ""}`,
      full ? w.planHash : w.planHash.slice(0, 12),
    ]),
    { wrap: 60 },
  );
}

export function registerApprovals(program: Command): void {
  const ap = program
    .command("approvals")
    .description("steps waiting for a human: list, show, approve, reject");

  ap.command("list")
    .description("every step waiting for a human, with its plan (before → after) and the plan's hash")
    .requiredOption("-c, --config <file>", "config file")
    .option("-f, --format <format>", "table | json", "table")
    .action((o: { config: string; format: string }) => {
      const format = parseFormat(o.format, ["table", "json"]);
      const store = openStore(requireConfig(o.config));
      try {
        const items = listWaiting(store);
        writeOut(format === "json" ? JSON.stringify(items, null, 2) : renderWaiting(items));
        if (format === "table") status(`${items.length} step(s) waiting`);
      } finally {
        store.close();
      }
    });

  ap.command("show")
    .description("a run's waiting steps with the full plan hashes")
    .argument("<run>", "run id (or a unique prefix of 8+ characters)")
    .requiredOption("-c, --config <file>", "config file")
    .action((run: string, o: { config: string }) => {
      const store = openStore(requireConfig(o.config));
      try {
        const runId = resolveId(
          "run",
          run,
          store.listRuns().map((r) => r.runId),
        );
        writeOut(
          renderWaiting(
            listWaiting(store).filter((w) => w.runId === runId),
            true,
          ),
        );
      } finally {
        store.close();
      }
    });

  for (const kind of ["approve", "reject"] as const) {
    const cmd = ap
      .command(kind)
      .description(
        kind === "approve"
          ? "approve a waiting step (the plan you saw: --plan) and drive the run on; approver and reason are journalled"
          : "reject a run's waiting step: the run ends rejected, nothing after it runs",
      )
      .argument("<run>", "run id (or a unique prefix of 8+ characters)")
      .requiredOption("-c, --config <file>", "config file")
      .option("--step <key>", "the waiting step (default: the run's only waiting step)");
    if (kind === "approve")
      cmd.option("--plan <hash>", "the plan hash you approve (from list or show; 12+ characters)");
    cmd
      .requiredOption("--as <name>", "who decides (journalled)")
      .requiredOption("--reason <text>", "why (journalled)")
      .option("-f, --format <format>", "table | json", "table")
      .action(
        async (
          run: string,
          o: { config: string; step?: string; plan?: string; as: string; reason: string; format: string },
        ) => {
          const format = parseFormat(o.format, ["table", "json"]) as "table" | "json";
          const config = requireConfig(o.config);
          const store = openStore(config);
          try {
            const runId = resolveId(
              "run",
              run,
              store.listRuns().map((r) => r.runId),
            );
            const waiting = listWaiting(store).filter((w) => w.runId === runId);
            if (!waiting.length) throw new UsageError(`run ${runId} has no step waiting for a decision`);
            const step = o.step ?? (waiting.length === 1 ? waiting[0]!.stepKey : undefined);
            if (!step) throw new UsageError(`run ${runId} waits on several steps: name one with --step`);
            const w = waiting.find((x) => x.stepKey === step);
            if (!w) throw new UsageError(`step ${step} of run ${runId} is not waiting`);
            let planHashes: Record<string, string> = {};
            if (kind === "approve") {
              if (!o.plan || o.plan.length < 12)
                throw new UsageError(
                  "name the plan you approve: --plan <hash> (12+ characters, from approvals list)",
                );
              // A prefix of the live plan's hash, or a hash of another plan: decide() refuses the latter.
              planHashes = { [step]: w.planHash.startsWith(o.plan) ? w.planHash : o.plan };
            }
            const opened = await openDecisions(config, store);
            try {
              const report = await decide(opened.env, {
                runId,
                stepKeys: [step],
                decision: kind,
                by: o.as,
                reason: o.reason,
                planHashes,
              });
              const outcome = { runs: [report], hits: [], skipped: [], notScanned: [] };
              writeOut(renderRuns(outcome, format));
              if (report.state === "waiting") status(`waiting: ${report.waiting ?? ""}`);
              if (!["done", "rejected", "waiting"].includes(report.state)) process.exitCode = EXIT.runFailed;
            } finally {
              await opened.close();
            }
          } finally {
            store.close();
          }
        },
      );
  }
}
