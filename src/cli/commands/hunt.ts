import type { Command } from "commander";
import type { Config } from "../../config/schema.js";
import { RISK_LEVELS, type HuntProfile, type HuntTarget } from "../../hunt/hunt.js";
import { HUNT_FORMATS, type HuntFormat } from "../../hunt/output.js";
import { requireConfig } from "../common.js";
import { EXIT, UsageError } from "../errors.js";
import { status, termSafe, writeOut } from "../output.js";

interface HuntFlags {
  config?: string;
  offline?: string[];
  target?: string;
  profile: string;
  printKql?: boolean;
  format: string;
  now?: string;
  lookbackDays?: string;
  risk?: string;
  tenantDomain?: string[];
  ipDb?: string;
  rows?: boolean;
}

function pick<T extends string>(v: string, allowed: readonly T[], flag: string): T {
  if (!(allowed as readonly string[]).includes(v))
    throw new UsageError(`${flag} must be one of ${allowed.join(", ")}`);
  return v as T;
}

/**
 * Query parameters: config's hunting section, then flags. Offline the window is the whole input unless
 * --lookback-days narrows it (the user chose what to export); live it is --lookback-days, else the config's, else 30.
 */
function paramsOf(o: HuntFlags, config: Config | undefined) {
  const offline = (o.offline?.length ?? 0) > 0;
  const h = config?.hunting;
  const risk = o.risk
    ? pick(o.risk, ["low", "medium", "high"] as const, "--risk")
    : (h?.riskThreshold ?? "medium");
  const days = o.lookbackDays !== undefined ? Number(o.lookbackDays) : (h?.lookbackDays ?? 30);
  if (!Number.isInteger(days) || days < 1 || days > 180)
    throw new UsageError("--lookback-days must be 1..180");
  return {
    riskLevel: risk,
    params: {
      ...(offline && o.lookbackDays === undefined ? {} : { lookback: `${days}d` }),
      riskThreshold: RISK_LEVELS[risk],
      tenantDomains: o.tenantDomain?.length
        ? o.tenantDomain.map((d) => d.toLowerCase())
        : (config?.tenant.domains ?? []),
      allowForwardAddresses: h?.allowForwardAddresses ?? [],
      allowForwardDomains: h?.allowForwardDomains ?? [],
      userTimeWindow: `${Math.round((h?.userTimeWindowHours ?? 2) * 60)}m`,
      maxRows: h?.maxRows ?? 100_000,
    },
  };
}

export function registerHunt(program: Command): void {
  program
    .command("hunt")
    .description(
      "find suspect mailbox actions in audit logs and tie each to the sign-in that made it: live in Defender XDR or Sentinel, or offline on exported files",
    )
    .option("-c, --config <file>", "config file (needed for live hunting; optional offline)")
    .option("--offline <path...>", "hunt in exported files or folders instead of the live tenant")
    .option(
      "-t, --target <target>",
      "defender | sentinel (live default: hunting.target; offline: every target with data)",
    )
    .option(
      "-p, --profile <profile>",
      "default (mailwarden's query) | seed (the reference query, verbatim)",
      "default",
    )
    .option("--print-kql", "print the query, ready to paste into the portal, and exit")
    .option("-f, --format <format>", `output: ${HUNT_FORMATS.join(" | ")}`, "table")
    .option("--rows", "print the query's rows instead of hits (always so for --profile seed)")
    .option(
      "--now <time>",
      "offline: the window's end, what ago() counts from (default: the newest event in the input)",
    )
    .option(
      "--lookback-days <n>",
      "how far back from the window's end to look (live default 30; offline default: the whole input)",
    )
    .option(
      "--risk <level>",
      "a linked sign-in at or above this risk is risky: low | medium | high (default medium)",
    )
    .option(
      "--tenant-domain <domain...>",
      "the tenant's own domains (default: config; else inferred from the data)",
    )
    .option("--ip-db <file.mmdb>", "a MaxMind-format database that overrides the bundled IP data")
    .addHelpText(
      "after",
      `\nOffline input formats are recognised by content (Defender, Purview/UAL, Entra sign-in and Sentinel exports; docs/hunting.md).\nEvery input record is loaded, a duplicate, or quarantined with file, line and reason. Exit 2 when any was quarantined.\nIP data: bundled ASN/country from ip-location-db (CC BY 4.0 / CC0), hosting and VPN lists from X4BNet and brianhama (MIT).`,
    )
    .action(async (o: HuntFlags) => {
      const format: HuntFormat = pick(o.format, HUNT_FORMATS, "--format");
      const profile: HuntProfile = pick(o.profile, ["default", "seed"] as const, "--profile");
      const target = o.target ? pick<HuntTarget>(o.target, ["defender", "sentinel"], "--target") : undefined;
      const config = o.config ? requireConfig(o.config) : undefined;
      const { params, riskLevel } = paramsOf(o, config);
      const { buildQuery } = await import("../../hunt/queries/index.js");

      if (o.printKql) {
        const t = target ?? config?.hunting.target ?? "defender";
        writeOut(buildQuery({ target: t, profile, ...(profile === "default" ? { params } : {}) }));
        return;
      }
      if (o.offline?.length) {
        const { huntOffline } = await import("../../hunt/offline.js");
        const r = await huntOffline({
          paths: o.offline,
          ...(target ? { targets: [target] } : {}),
          profile,
          params,
          riskThreshold: params.riskThreshold,
          tenantId: config?.tenant.id ?? "offline",
          ...(o.now ? { now: parseNow(o.now) } : {}),
          ...(o.ipDb || config?.hunting.ipDatabase
            ? { ipDatabase: o.ipDb ?? config?.hunting.ipDatabase }
            : {}),
        });
        printOffline(r, format, profile, o.rows === true, riskLevel);
        if (r.load.totals.quarantined > 0 || r.runs.some((x) => x.problems.length > 0))
          process.exitCode = EXIT.usage;
        return;
      }
      if (!config) throw new UsageError("live hunting needs --config (or use --offline <files>)");
      const { huntLive } = await import("../../hunt/live-hunt.js");
      const { openTenant } = await import("../tenant.js");
      const r = await huntLive(
        config,
        {
          ...(target ? { target } : {}),
          profile,
          params,
          ...(o.ipDb ? { ipDatabase: o.ipDb } : {}),
        },
        openTenant,
      );
      const { renderHunt } = await import("../../hunt/output.js");
      writeData(
        renderHunt(
          [
            {
              target: r.target,
              now: new Date().toISOString(),
              nowSource: "the service's clock",
              columns: r.columns,
              rows: r.rows,
              hits: r.hits,
              ...(r.problems.length ? { rowProblems: r.problems } : {}),
            },
          ],
          format,
          { profile, rowsOnly: profile === "seed" || o.rows === true },
        ),
      );
      status(
        `${r.target}: ${r.rows.length} row(s)${profile === "seed" ? "" : `, ${r.hits.length} hit(s)`}${r.truncated ? " — truncated at the platform's row limit; narrow the look-back" : ""}`,
      );
      for (const p of r.problems) status(`row problem: ${p.at}: ${termSafe(p.reason)}`);
      if (r.problems.length) process.exitCode = EXIT.usage;
    });
}

function parseNow(v: string): Date {
  const d = new Date(v);
  if (Number.isNaN(d.getTime()))
    throw new UsageError(`--now must be an ISO 8601 time, got ${JSON.stringify(v)}`);
  return d;
}

type OfflineResult = Awaited<ReturnType<typeof import("../../hunt/offline.js").huntOffline>>;

function printOffline(
  r: OfflineResult,
  format: HuntFormat,
  profile: HuntProfile,
  rowsOnly: boolean,
  risk: string,
): void {
  void risk;
  for (const run of r.runs) {
    status(
      `${run.target}: as of ${run.now} (${run.nowSource}); ${run.rows.length} row(s)${profile === "seed" ? "" : `, ${run.hits.length} hit(s): ${countBy(run.hits.map((h) => h.severity))}`}`,
    );
    const w = run.window;
    status(
      `${run.target}: window ${w.lookback === "whole input" ? "the whole input" : `the ${w.lookback} up to ${w.until}`}; ${w.leftOut} of ${w.mailboxActions} mailbox action(s) left out${w.leftOut ? " (widen with --lookback-days / --now)" : ""}`,
    );
    if (run.comparison) {
      const { seed, mailwarden } = run.comparison.signInTables;
      const from = (x: { rowsFrom: string[] }) => x.rowsFrom.join(" + ") || "no sign-in table";
      status(
        `seed vs mailwarden: the seed returns ${run.comparison.seedRows} row(s); mailwarden finds ${run.comparison.mailwardenHits} hit(s) (${run.comparison.mailwardenHigh} high); the seed misses ${run.comparison.missedBySeed.length}: ${countBy(run.comparison.missedBySeed.map((m) => m.operation))}`,
      );
      status(
        `sign-ins read: the seed ${seed.table} (${seed.rows} row(s) of the export's ${from(seed)}), mailwarden ${mailwarden.table} (${mailwarden.rows} row(s) of ${from(mailwarden)})`,
      );
    }
    for (const p of run.problems) status(`row problem: ${p.at}: ${termSafe(p.reason)}`);
  }
  if (!r.runs.length) status("no hunting tables have rows: nothing to hunt in (see the load report)");
  writeData(
    r.render.hunt(
      r.runs.map((run) => ({
        ...run,
        ...(run.problems.length ? { rowProblems: run.problems } : {}),
      })),
      format,
      { profile, rowsOnly: profile === "seed" || rowsOnly, extra: { load: r.load } },
    ),
  );
  const t = r.load.totals;
  status(
    `input: ${t.files} file(s), ${t.records} record(s): ${t.loaded} loaded, ${t.duplicate} duplicate, ${t.quarantined} quarantined${t.skipped ? `; ${t.skipped} file(s) skipped` : ""}`,
  );
  for (const q of r.load.quarantine.slice(0, 20))
    status(`quarantined: ${termSafe(q.file)}:${q.line}: ${termSafe(q.reason)}`);
  if (r.load.quarantine.length > 20 || r.load.quarantineOmitted)
    status(
      `… ${r.load.quarantine.length - 20 + r.load.quarantineOmitted} more quarantined (all listed with --format json)`,
    );
  for (const s of r.load.skipped) status(`skipped: ${termSafe(s.file)}: ${termSafe(s.reason)}`);
}

/** Data on stdout; nothing at all (not even an empty line) when there is none, e.g. JSON lines of zero hits. */
function writeData(text: string): void {
  if (text !== "") writeOut(text);
}

function countBy(values: string[]): string {
  const m = new Map<string, number>();
  for (const v of values) m.set(v, (m.get(v) ?? 0) + 1);
  return [...m].map(([k, n]) => `${n} ${k}`).join(", ") || "none";
}
