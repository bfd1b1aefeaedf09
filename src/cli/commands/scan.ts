import type { Command } from "commander";
import type { Config } from "../../config/schema.js";
import { scanMailboxes, type NotScanned, type ScanResult } from "../../scan/scan.js";
import { requireConfig } from "../common.js";
import { EXIT, UsageError } from "../errors.js";
import { FORMATS, table, writeOut, status, type Format } from "../output.js";
import { openTenant, type TenantHandles } from "../tenant.js";
import { trustCaInProcess } from "../../adapters/tls.js";

/** `transportRules: true` reads the transport rules even when only some users' mailboxes are scanned. */
export function scanWith(
  config: Config,
  t: TenantHandles,
  users?: string[],
  o: { transportRules?: boolean } = {},
): Promise<ScanResult> {
  return scanMailboxes({
    ...(o.transportRules !== undefined ? { transportRules: o.transportRules } : {}),
    tenantId: config.tenant.id,
    tenantDomains: config.tenant.domains,
    ...(config.tenant.organization ? { organization: config.tenant.organization } : {}),
    graph: t.graph,
    ...(t.exchange ? { exchange: t.exchange } : {}),
    ...(users?.length ? { users } : {}),
  });
}

export function renderScan(r: ScanResult, format: Format): string {
  if (format === "json")
    return JSON.stringify(
      {
        schemaVersion: 1,
        tenantId: r.tenantId,
        scannedAt: r.scannedAt,
        hits: r.hits,
        mailboxes: r.mailboxes.map((m) => ({
          upn: m.upn,
          rules: m.rules.length,
          forwarding: m.forwarding ?? null,
          errors: m.errors,
        })),
        errors: r.errors,
        notScanned: r.notScanned,
      },
      null,
      2,
    );
  if (format === "jsonl") return r.hits.map((h) => JSON.stringify(h)).join("\n");
  return table(
    ["severity", "score", "user", "target", "what", "why"],
    r.hits.map((h) => [
      h.severity,
      h.score,
      h.user.upn,
      h.target.kind === "inboxRule"
        ? `rule ${JSON.stringify(h.target.ruleName)}${h.target.hidden ? " (hidden)" : ""}`
        : "mailbox forwarding",
      h.reasons[0]?.detail ?? "",
      h.reasons.map((x) => x.code).join(", "),
    ]),
  );
}

/** One stderr line for something the scan could not read. */
export function describeNotScanned(n: NotScanned): string {
  const where = n.mailbox ?? n.page ?? "tenant";
  return `not scanned: ${where} (${n.surface}): ${n.reason}`;
}

export function parseFormat(v: string, allowed: readonly string[] = FORMATS): Format {
  if (!allowed.includes(v)) throw new UsageError(`--format must be one of ${allowed.join(", ")}`);
  return v as Format;
}

export function registerScan(program: Command): void {
  program
    .command("scan")
    .description(
      "read every mailbox's inbox rules (Graph and Exchange, hidden included) and forwarding; print hits",
    )
    .requiredOption("-c, --config <file>", "config file (YAML or JSON)")
    .option("-u, --user <upn...>", "only these users (UPN or object id)")
    .option("-f, --format <format>", `output: ${FORMATS.join(" | ")}`, "table")
    .action(async (o: { config: string; user?: string[]; format: string }) => {
      const format = parseFormat(o.format);
      const config = requireConfig(o.config);
      trustCaInProcess(config.endpoints.caFile);
      const t = await openTenant(config);
      try {
        const r = await scanWith(config, t, o.user);
        writeOut(renderScan(r, format));
        for (const n of r.notScanned) status(describeNotScanned(n));
        const missing = new Set(r.notScanned.map((n) => n.mailbox ?? n.page ?? "tenant")).size;
        status(
          `${r.hits.length} hit(s) in ${r.mailboxes.length} mailbox(es)${
            r.notScanned.length
              ? `; INCOMPLETE: ${missing} mailbox(es) or listing(s) not fully scanned (${r.notScanned.length} read(s) failed)`
              : ""
          }`,
        );
        // The hits are true but the job is not done: never 0 with targets silently missing.
        if (r.notScanned.length) process.exitCode = EXIT.incomplete;
      } finally {
        await t.close();
      }
    });
}
