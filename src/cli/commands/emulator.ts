import { randomBytes } from "node:crypto";
import { mkdirSync, writeFileSync } from "node:fs";
import path from "node:path";
import type { Command } from "commander";
import type { ConfigInput } from "../../config/schema.js";
import type { RunningEmulator } from "../../emulator/server.js";
import { UsageError } from "../errors.js";
import { status, writeOut } from "../output.js";

export const DEFAULT_CA_DIR = ".mailwarden/emulator-ca";

export interface LaunchedEmulator {
  emulator: RunningEmulator;
  pwshPath: string;
  config: ConfigInput;
}

/** Starts the emulated tenant and builds a config that drives both the Graph and the Exchange path. */
export async function launchEmulator(o: {
  port?: number;
  /** "default", a scenario file, or a scenario object. */
  scenario?: string | import("../../emulator/scenario.js").Scenario;
  stateDir: string;
  caDir: string;
  seed?: number;
  /** A faults file (or object) for the faults and limits layer. */
  faults?: string;
  /** A generated tenant (the scenario generator) instead of `scenario`. */
  tenant?: { state: import("../../emulator/state.js").TenantState; startTime: string; seed?: number };
}): Promise<LaunchedEmulator> {
  // Absolute paths: the written config is read from another folder, and its relative paths would be relative to it.
  o = { ...o, stateDir: path.resolve(o.stateDir), caDir: path.resolve(o.caDir) };
  const { startEmulator } = await import("../../emulator/server.js");
  const { writePwshWrapper } = await import("../../emulator/pwsh/wrapper.js");
  mkdirSync(o.stateDir, { recursive: true });
  const emulator = await startEmulator({
    port: o.port ?? 0,
    scenario: o.scenario ?? "default",
    caDir: o.caDir,
    stateDir: o.stateDir,
    ...(o.seed !== undefined ? { seed: o.seed } : {}),
    ...(o.faults !== undefined ? { faults: o.faults } : {}),
    ...(o.tenant ? { tenant: o.tenant } : {}),
  });
  const pwshPath = writePwshWrapper(o.stateDir, { caFile: emulator.caFile });
  const config: ConfigInput = {
    version: 1,
    tenant: { id: emulator.tenantId, domains: emulator.domains, organization: emulator.organization },
    credential: { type: "clientSecret", clientId: emulator.clientId, clientSecret: emulator.clientSecret },
    endpoints: {
      authorityHost: emulator.authorityHost,
      graphBaseUrl: emulator.graphBaseUrl,
      exchangeConnectionUri: emulator.exchangeConnectionUri,
      logAnalyticsBaseUrl: emulator.logAnalyticsBaseUrl,
      caFile: emulator.caFile,
    },
    hunting: { target: "defender", workspaceId: emulator.sentinelWorkspaceId },
    exchange: { enabled: true, pwshPath },
    store: { path: path.join(o.stateDir, "runs.db") },
    audit: { path: path.join(o.stateDir, "audit.jsonl") },
    guardrails: { protectedAccounts: [`breakglass@${emulator.organization}`], maxContainmentsPerRun: 25 },
  };
  return { emulator, pwshPath, config };
}

export function registerEmulator(program: Command): void {
  const emu = program
    .command("emulator")
    .description("the emulated Microsoft 365 tenant (a strict loopback test host)");
  emu
    .command("start")
    .description("start the emulated tenant; prints one JSON line when ready and runs until interrupted")
    .option("-p, --port <n>", "HTTPS port (0 = any free port)", "0")
    .option("-s, --scenario <name|file>", "default, or a scenario file (JSON or YAML)", "default")
    .option("--seed <n>", "seed for generated ids (and for --generate)")
    .option(
      "--generate <scenarios>",
      "serve a generated tenant: default, all, or scenario names joined by commas",
    )
    .option("--users <n>", "with --generate: number of users", "25")
    .option("--days <n>", "with --generate: days of activity", "7")
    .option("--faults <file>", "faults and limits file (JSON or YAML); see docs/emulator.md")
    .option(
      "--state-dir <dir>",
      "where the emulator writes its client certificate and pwsh stand-in",
      ".mailwarden/emulator",
    )
    .option("--ca-dir <dir>", "the emulator's CA (created when absent)", DEFAULT_CA_DIR)
    .option(
      "--write-config <file>",
      "write a mailwarden config for this tenant (contains the client secret; mode 0600)",
    )
    .option(
      "--store <file>",
      "the run store the config names (default: a new runs-<start>.db beside --write-config, else in --state-dir)",
    )
    .option(
      "--audit-log <file>",
      "the audit log the config names (default: a new audit-<start>.jsonl, or <store>.audit.jsonl with --store)",
    )
    .action(async (o: StartFlags, cmd: Command) => {
      const port = Number(o.port);
      if (!/^\d+$/.test(o.port) || port > 65535) throw new UsageError("--port must be 0..65535");
      const seed = o.seed === undefined ? undefined : intOption("--seed", o.seed);
      const fromCli = (name: string) => cmd.getOptionValueSource(name) === "cli";
      // Validated before anything starts: a bad number or file never leaves a half-started tenant behind.
      const users = intOption("--users", o.users);
      const days = intOption("--days", o.days);
      if (!o.generate && (fromCli("users") || fromCli("days")))
        throw new UsageError("--users and --days only apply with --generate");
      if (o.generate && fromCli("scenario"))
        throw new UsageError("--scenario and --generate name two tenants: give one of them");
      if (o.faults !== undefined) await checkFaultsFile(o.faults);
      const tenant = o.generate
        ? await generated({ scenarios: parseScenarios(o.generate), users, days, seed: seed ?? 1 })
        : undefined;
      const { ensureCa } = await import("../../emulator/ca.js");
      await ensureCa(o.caDir);
      const { emulator, pwshPath, config } = await launchEmulator({
        port,
        scenario: o.scenario,
        stateDir: o.stateDir,
        caDir: o.caDir,
        ...(seed !== undefined ? { seed } : {}),
        ...(o.faults !== undefined ? { faults: o.faults } : {}),
        ...(tenant ? { tenant } : {}),
      });
      // Each start is a new tenant: a store or audit log of an earlier start would hold another tenant's runs and
      // journal, so each start gets its own unless the user names one.
      const { store, auditLog } = storePaths(o);
      config.store = { path: store };
      config.audit = { path: auditLog };
      if (o.writeConfig) {
        mkdirSync(path.dirname(path.resolve(o.writeConfig)), { recursive: true });
        writeFileSync(o.writeConfig, JSON.stringify(config, null, 2) + "\n", { mode: 0o600 });
      }
      writeOut(
        JSON.stringify({
          graphBaseUrl: emulator.graphBaseUrl,
          authorityHost: emulator.authorityHost,
          exchangeConnectionUri: emulator.exchangeConnectionUri,
          tenantId: emulator.tenantId,
          organization: emulator.organization,
          clientId: emulator.clientId,
          clientSecret: emulator.clientSecret,
          caFile: emulator.caFile,
          pwshPath,
          adminUrl: emulator.adminUrl,
          sentinelWorkspaceId: emulator.sentinelWorkspaceId,
          store,
          auditLog,
          ...(tenant
            ? { generated: { ...tenant.summary, startTime: tenant.startTime, seed: tenant.seed } }
            : {}),
          ...(o.writeConfig ? { configFile: path.resolve(o.writeConfig) } : {}),
        }),
      );
      status(`emulated tenant ready at ${emulator.baseUrl}; Ctrl-C stops it`);
      await new Promise<void>((resolve) => {
        process.once("SIGINT", () => resolve());
        process.once("SIGTERM", () => resolve());
      });
      await emulator.close();
    });

  emu
    .command("seed")
    .description(
      "generate a tenant with benign activity and labelled attacks: state, Defender and Sentinel tables, truth.json",
    )
    .option("-s, --scenario <scenarios>", "default, all, or scenario names joined by commas", "default")
    .option("--users <n>", "number of users", "25")
    .option("--days <n>", "days of activity", "7")
    .option("--seed <n>", "seed (same seed, same bytes)", "1")
    .option("--format <formats>", "table formats: csv, json or csv,json", "csv,json")
    .requiredOption("-o, --out <dir>", "output folder")
    .action(
      async (o: {
        scenario: string;
        users: string;
        days: string;
        seed: string;
        format: string;
        out: string;
      }) => {
        const { generateTenant, writeGenerated, GeneratorError } =
          await import("../../emulator/generator/index.js");
        const formats = o.format.split(",").map((f) => f.trim());
        if (!formats.length || formats.some((f) => f !== "csv" && f !== "json"))
          throw new UsageError("--format takes csv, json or csv,json");
        try {
          const g = generateTenant({
            scenarios: parseScenarios(o.scenario),
            users: intOption("--users", o.users),
            days: intOption("--days", o.days),
            seed: intOption("--seed", o.seed),
          });
          const files = await writeGenerated(g, o.out, { formats: formats as ("csv" | "json")[] });
          const rows = Object.fromEntries(
            Object.entries({ ...g.tables.defender, ...g.tables.sentinel }).map(([k, v]) => [k, v.length]),
          );
          writeOut(
            JSON.stringify({
              out: path.resolve(o.out),
              startTime: g.startTime,
              users: g.state.users.length,
              rows,
              files: files.length,
            }),
          );
        } catch (e) {
          if (e instanceof GeneratorError) {
            for (const i of e.issues) status(`error: ${i.path}: ${i.message}`);
            throw new UsageError(`invalid generator options (${e.issues.length})`);
          }
          throw e;
        }
      },
    );
}

interface StartFlags {
  port: string;
  scenario: string;
  seed?: string;
  generate?: string;
  users: string;
  days: string;
  faults?: string;
  stateDir: string;
  caDir: string;
  writeConfig?: string;
  store?: string;
  auditLog?: string;
}

function intOption(name: string, v: string): number {
  const n = /^\s*-?\d+\s*$/.test(v) ? Number(v) : NaN;
  if (!Number.isSafeInteger(n)) throw new UsageError(`${name} must be an integer, got ${JSON.stringify(v)}`);
  return n;
}

/**
 * Loads and validates the faults file before anything starts; a FaultsError (every problem with its dotted path,
 * one a line) exits 2 like any configuration error.
 */
async function checkFaultsFile(file: string): Promise<void> {
  const { loadFaultsFile } = await import("../../emulator/faults/config.js");
  await loadFaultsFile(file);
}

/** A generated tenant (the scenario generator) for `emulator start --generate`; bad options are usage errors. */
async function generated(o: {
  scenarios: "default" | "all" | string[];
  users: number;
  days: number;
  seed: number;
}) {
  const { generateTenant, GeneratorError } = await import("../../emulator/generator/index.js");
  try {
    const g = generateTenant(o);
    const rows = (t: Record<string, unknown[]>) => Object.values(t).reduce((n, r) => n + r.length, 0);
    return {
      state: g.state,
      startTime: g.startTime,
      seed: o.seed,
      summary: {
        scenarios: o.scenarios,
        users: o.users,
        days: o.days,
        defenderRows: rows(g.tables.defender),
        sentinelRows: rows(g.tables.sentinel),
      },
    };
  } catch (e) {
    if (e instanceof GeneratorError) {
      for (const i of e.issues) status(`error: --generate: ${i.path}: ${i.message}`);
      throw new UsageError(`invalid generator options (${e.issues.length})`);
    }
    throw e;
  }
}

/**
 * The store and audit log a started emulator's config names: the user's, else new files named after this start
 * (UTC time and a random suffix) beside the written config, else in the state dir.
 */
function storePaths(o: StartFlags): { store: string; auditLog: string } {
  const dir = path.resolve(o.writeConfig ? path.dirname(o.writeConfig) : o.stateDir);
  const id = `${new Date().toISOString().replace(/[-:]|\.\d+/g, "")}-${randomBytes(3).toString("hex")}`;
  const store = path.resolve(o.store ?? path.join(dir, `runs-${id}.db`));
  const auditLog = path.resolve(
    o.auditLog ??
      (o.store ? `${store.replace(/\.db$/i, "")}.audit.jsonl` : path.join(dir, `audit-${id}.jsonl`)),
  );
  return { store, auditLog };
}

function parseScenarios(v: string): "default" | "all" | string[] {
  if (v === "default" || v === "all") return v;
  return v
    .split(",")
    .map((x) => x.trim())
    .filter(Boolean);
}
