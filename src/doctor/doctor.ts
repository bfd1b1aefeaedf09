/**
 * `doctor`: per tenant, the token's `roles` against what scanning and the selected playbook's actions need, and
 * (with probe) read-only calls to each surface. Write rights cannot be probed without writing: they are reported
 * as unverified when the grant is present, with the least-privilege grant that would fix each gap. With probe and
 * verbose, developer-facing diagnostics follow (apis.md §E's open questions), marked `diagnostic`.
 */
import type { TokenCredential } from "@azure/identity";
import { getAction } from "../actions/registry.js";
import type { GraphAdapter } from "../adapters/graph/client.js";
import { tokenClaims } from "../adapters/token-claims.js";
import type { Config } from "../config/schema.js";
import { playbookWarnings } from "../playbooks/load.js";
import type { Playbook } from "../playbooks/schema.js";
import type { ExchangeReader } from "../scan/scan.js";
import { noticeChecks } from "./notices.js";
import { openQuestions } from "./open-questions.js";
import { satisfied, SCAN_NEEDS } from "./permissions.js";

export type { Check, CheckStatus } from "./check.js";
import type { Check } from "./check.js";

const GRAPH_SCOPE = "https://graph.microsoft.com/.default";
const EXO_SCOPE = "https://outlook.office365.com/.default";
const msg = (e: unknown) => (e instanceof Error ? e.message : String(e));

export interface DoctorInput {
  config: Config;
  playbook: Playbook;
  credential: TokenCredential;
  graph: GraphAdapter;
  exchange?: ExchangeReader;
  probe: boolean;
  /** With probe: also ask the developer-facing diagnostics (apis.md §E open questions). */
  verbose?: boolean;
  /** Where notice secrets are read (default process.env), and a Teams credential replacing the configured one. */
  env?: NodeJS.ProcessEnv;
  teamsCredential?: TokenCredential;
}

/** The rows the user must act on: a missing grant, a failed token or probe. Diagnostics never count. */
export function problems(checks: readonly Check[]): Check[] {
  return checks.filter((c) => !c.diagnostic && (c.status === "missing" || c.status === "failed"));
}

export async function runDoctor(d: DoctorInput): Promise<Check[]> {
  const checks: Check[] = [];
  const { config } = d;
  const needs = { graph: new Map<string, string[]>(), exchange: new Map<string, string[]>() };
  const need = (surface: "graph" | "exchange", perm: string, by: string) => {
    const m = needs[surface];
    m.set(perm, [...(m.get(perm) ?? []), by]);
  };
  for (const p of SCAN_NEEDS.graph) need("graph", p, "scan");
  for (const p of SCAN_NEEDS.exchange) need("exchange", p, "scan");
  // Live hunting in Defender XDR (Graph runHuntingQuery); Sentinel's Data.Read is granted on the workspace instead.
  if (config.hunting.target === "defender") need("graph", "ThreatHunting.Read.All", "hunt");
  for (const s of [...d.playbook.steps, ...(d.playbook.gather ?? [])]) {
    const a = getAction(s.action);
    if (!a) continue;
    for (const p of a.permissions.graph) need("graph", p, a.id);
    for (const p of a.permissions.exchange) need("exchange", p, a.id);
  }

  const surfaces: { surface: "graph" | "exchange"; scope: string; enabled: boolean }[] = [
    { surface: "graph", scope: GRAPH_SCOPE, enabled: true },
    { surface: "exchange", scope: EXO_SCOPE, enabled: config.exchange.enabled },
  ];
  for (const s of surfaces) {
    if (!s.enabled) {
      checks.push({
        surface: s.surface,
        check: "enabled",
        status: "skipped",
        detail: "exchange.enabled is false: forwarding and hidden rules are invisible",
      });
      continue;
    }
    let roles: string[];
    try {
      const c = await tokenClaims(d.credential, s.scope);
      roles = c.roles;
      const tenantOk = c.tid?.toLowerCase() === config.tenant.id.toLowerCase();
      checks.push({
        surface: s.surface,
        check: "token",
        status: tenantOk ? "ok" : "failed",
        detail: tenantOk
          ? `token for ${s.scope} from tenant ${c.tid}; roles: ${roles.length ? roles.join(", ") : "(none)"}`
          : `the token was issued by tenant ${c.tid ?? "(none)"}, the configuration names ${config.tenant.id}: every write would be refused`,
      });
    } catch (e) {
      checks.push({
        surface: s.surface,
        check: "token",
        status: "failed",
        detail: msg(e),
        fix: "check tenant.id, credential and endpoints.authorityHost",
      });
      continue;
    }
    for (const [perm, by] of [...needs[s.surface]].sort(([a], [b]) => a.localeCompare(b))) {
      const ok = satisfied(perm, roles);
      const write = /ReadWrite|Revoke|EnableDisable|Manage/.test(perm);
      checks.push({
        surface: s.surface,
        check: `permission ${perm}`,
        status: !ok ? "missing" : write ? "unverified" : "ok",
        detail: `needed by ${[...new Set(by)].join(", ")}${ok && write ? "; granted, but a write right is only proven by writing" : ""}`,
        ...(!ok
          ? {
              fix:
                s.surface === "graph"
                  ? `grant the application permission ${perm} on Microsoft Graph and give admin consent`
                  : `grant ${perm} on Office 365 Exchange Online, admin-consent it, and assign the app an Exchange role (Exchange Administrator, or a custom role group with the cmdlets mailwarden uses)`,
            }
          : {}),
      });
    }
  }

  for (const w of playbookWarnings(d.playbook))
    checks.push({
      surface: "config",
      check: `playbook ${d.playbook.metadata.id} ${w.path}`,
      status: "warning",
      detail: w.message,
    });
  checks.push(...(await noticeChecks(config, d.env ?? process.env, d.teamsCredential)));
  if (config.hunting.target === "sentinel" || config.hunting.workspaceId) checks.push(...(await sentinel(d)));
  if (d.probe) checks.push(...(await probes(d)));
  return checks;
}

const LA_SCOPE = "https://api.loganalytics.io/.default";
const LA_FIX =
  "grant the application permission Data.Read on the Log Analytics API and give admin consent, and give the app the Log Analytics Reader role on the workspace";

/**
 * Live hunting in Sentinel reads the workspace through the Log Analytics query API: the app's token for it must carry
 * Data.Read, and (with probe) the workspace must answer a query — the Reader role on the workspace is only proven so.
 */
async function sentinel(d: DoctorInput): Promise<Check[]> {
  const { config } = d;
  const workspaceId = config.hunting.workspaceId;
  if (!workspaceId)
    return [
      {
        surface: "sentinel",
        check: "hunting.workspaceId",
        status: "missing",
        detail: "hunting.target is sentinel, but no workspace is named",
        fix: "set hunting.workspaceId to the Log Analytics workspace id of the Sentinel workspace",
      },
    ];
  const out: Check[] = [];
  try {
    const c = await tokenClaims(d.credential, LA_SCOPE);
    const ok = c.roles.includes("Data.Read");
    out.push({
      surface: "sentinel",
      check: "permission Data.Read",
      status: ok ? "ok" : "missing",
      detail: `needed by hunt (Sentinel workspace ${workspaceId}); roles: ${c.roles.length ? c.roles.join(", ") : "(none)"}`,
      ...(ok ? {} : { fix: LA_FIX }),
    });
  } catch (e) {
    out.push({ surface: "sentinel", check: "token", status: "failed", detail: msg(e), fix: LA_FIX });
    return out;
  }
  if (d.probe) {
    const { runSentinel } = await import("../hunt/live.js");
    try {
      await runSentinel(
        { credential: d.credential, baseUrl: config.endpoints.logAnalyticsBaseUrl, workspaceId },
        "print ok = 1",
      );
      out.push({
        surface: "sentinel",
        check: "probe workspace query",
        status: "ok",
        detail: `workspace ${workspaceId} answers a query`,
      });
    } catch (e) {
      out.push({
        surface: "sentinel",
        check: "probe workspace query",
        status: "failed",
        detail: msg(e),
        fix: LA_FIX,
      });
    }
  }
  return out;
}

async function probes(d: DoctorInput): Promise<Check[]> {
  const out: Check[] = [];
  const probe = async (surface: Check["surface"], check: string, fn: () => Promise<string>, fix: string) => {
    try {
      out.push({ surface, check, status: "ok", detail: await fn() });
    } catch (e) {
      out.push({ surface, check, status: "failed", detail: msg(e), fix });
    }
  };
  let firstUser: string | undefined;
  await probe(
    "graph",
    "probe GET /users",
    async () => {
      const users = await d.graph.listUsers({ pageSize: 5 });
      firstUser = users.find((u) => u.mail)?.id ?? users[0]?.id;
      return `${users.length} user(s) readable`;
    },
    "grant User.Read.All",
  );
  if (firstUser) {
    const u = firstUser;
    await probe(
      "graph",
      "probe GET messageRules",
      async () => `${(await d.graph.listMessageRules(u)).length} rule(s) in one mailbox`,
      "grant MailboxSettings.Read (or ReadWrite)",
    );
    if (d.exchange) {
      const x = d.exchange;
      await probe(
        "exchange",
        "probe Get-Mailbox",
        async () => {
          const mb = await x.getMailbox(u);
          return `mailbox ${mb.primarySmtpAddress ?? "(no address)"} readable, forwarding visible`;
        },
        "check pwsh, ExchangeOnlineManagement, Exchange.ManageAsApp and the app's Exchange role",
      );
      await probe(
        "exchange",
        "probe Get-InboxRule -IncludeHidden",
        async () => `${(await x.getInboxRules(u, { includeHidden: true })).length} rule(s) incl. hidden`,
        "the app's Exchange role must include Get-InboxRule (View-Only roles do not)",
      );
    }
  }
  // apis.md §E, answered read-only where a read can answer: for mailwarden's developers, so only when verbose.
  if (d.verbose) {
    const rows = await openQuestions({
      credential: d.credential,
      graph: d.graph,
      ...(d.exchange ? { exchange: d.exchange } : {}),
      ...(firstUser ? { mailbox: firstUser } : {}),
    });
    out.push(...rows.map((r): Check => ({ ...r, diagnostic: true })));
  }
  return out;
}
