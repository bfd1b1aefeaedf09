import type { Command } from "commander";
import { parseDuration } from "../../playbooks/schema.js";
import { requireConfig } from "../common.js";
import { UsageError } from "../errors.js";
import { status, termSafe } from "../output.js";
import { shutdownSignal } from "../shutdown.js";
import { openTenant } from "../tenant.js";
import { runHits, unattendedPolicy } from "./run.js";
import { scanWith } from "./scan.js";
import { openStore } from "./store.js";

export function registerWatch(program: Command): void {
  program
    .command("watch")
    .description(
      "the main job unattended, every watch.interval: hunt live from the last watermark, read new Defender alerts and incidents and scan the users they name, contain what the unattended policy allows, leave the rest waiting for a person; SIGTERM stops it cleanly, a restart resumes",
    )
    .requiredOption("-c, --config <file>", "config file (YAML or JSON)")
    .option(
      "--auto [severity]",
      "the unattended policy: cases at least this severe (default unattended.minSeverity); needed unless unattended.enabled",
    )
    .option("--interval <duration>", "override watch.interval (30s, 5m, 1h)")
    .option("--once", "one tick, then exit (for schedulers and tests)")
    .action(async (o: { config: string; auto?: boolean | string; interval?: string; once?: boolean }) => {
      const config = requireConfig(o.config);
      if (o.auto === undefined && !config.unattended.enabled)
        throw new UsageError("watch runs unattended: give --auto [SEVERITY] or set unattended.enabled: true");
      const unattended = unattendedPolicy(config, { ...(o.auto !== undefined ? { auto: o.auto } : {}) });
      if (!unattended) throw new UsageError("watch runs unattended: give --auto [SEVERITY]");
      if (o.interval !== undefined && !/^[1-9]\d*(s|m|h)$/.test(o.interval))
        throw new UsageError(
          `--interval must be a duration such as 30s, 5m or 1h, got ${JSON.stringify(o.interval)}`,
        );
      const { watchLoop, abortableSleep } = await import("../../mainjob/watch.js");
      const { defaultStateFile } = await import("../../mainjob/watch-state.js");
      const { liveHunter } = await import("../../mainjob/sources.js");
      openStore(config, { create: true }).close();
      const t = await openTenant(config);
      try {
        const hunt = liveHunter(config, t);
        const stateFile = config.watch.stateFile ?? defaultStateFile(config.store.path);
        status(
          `watch: every ${o.interval ?? config.watch.interval}; state in ${stateFile}; SIGTERM or Ctrl-C stops it`,
        );
        await watchLoop(
          {
            hunt,
            listSecurity: (kind, since) => t.graph.listSecurity(kind, { ...(since ? { since } : {}) }),
            scan: (users) => scanWith(config, t, users, { transportRules: true }),
            drive: (hits) => runHits(config, t, hits, "execute", { unattended, stop: shutdownSignal }),
            now: () => new Date(),
            sleep: abortableSleep,
            stateFile,
            stop: shutdownSignal,
            log: (line) => status(termSafe(line, Number.POSITIVE_INFINITY)),
          },
          {
            intervalMs: parseDuration(o.interval ?? config.watch.interval),
            overlapMs: parseDuration(config.watch.overlap),
            maxLookbackMs: config.hunting.lookbackDays * 86_400_000,
            alerts: config.watch.alerts,
            hiddenRulesRead: config.exchange.enabled,
            ...(o.once ? { maxTicks: 1 } : {}),
          },
        );
      } finally {
        await t.close();
      }
      if (shutdownSignal.aborted)
        status("watch: stopped; the store and the watermark hold everything to resume");
    });
}
