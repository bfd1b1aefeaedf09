/**
 * The open questions of apis.md §E, answered read-only against the configured tenant where a read can answer them
 * (`doctor --probe`). Where only a write (or a burst against a service limit) could answer, the question is
 * reported `unverified` with the reason: doctor never writes and never provokes throttling.
 */
import type { TokenCredential } from "@azure/identity";
import type { GraphAdapter } from "../adapters/graph/client.js";
import { tokenClaims } from "../adapters/token-claims.js";
import type { ExchangeReader } from "../scan/scan.js";
import type { Check } from "./check.js";

const GRAPH_SCOPE = "https://graph.microsoft.com/.default";
const EXO_SCOPE = "https://outlook.office365.com/.default";
const msg = (e: unknown) => (e instanceof Error ? e.message : String(e));

export interface OpenQuestionsInput {
  credential: TokenCredential;
  graph: GraphAdapter;
  exchange?: ExchangeReader;
  /** The Entra object id of one readable mailbox (doctor's probe picks it). */
  mailbox?: string;
}

const q = (n: number, title: string) => `open question ${n}: ${title}`;

async function messageRulesTop(
  graph: GraphAdapter,
  mailbox: string,
): Promise<Pick<Check, "status" | "detail">> {
  const all = await graph.listMessageRules(mailbox);
  const page = (await graph.client
    .api(`/users/${encodeURIComponent(mailbox)}/mailFolders/inbox/messageRules`)
    .top(1)
    .get()) as { value?: unknown[]; "@odata.nextLink"?: string };
  const got = page.value?.length ?? 0;
  const next = typeof page["@odata.nextLink"] === "string";
  if (all.length < 2)
    return {
      status: "unverified",
      detail: `the probed mailbox has ${all.length} rule(s): $top=1 cannot be told apart from no paging (GET with $top=1 returned ${got}${next ? " and a nextLink" : ", no nextLink"})`,
    };
  const answer =
    got > 1
      ? "$top is ignored: the whole list comes back in one response"
      : next
        ? "$top is honoured and the collection pages (nextLink present): follow nextLink"
        : "$top is honoured WITHOUT a nextLink: the list is truncated silently; never send $top";
  return {
    status: "ok",
    detail: `${answer} (GET messageRules?$top=1 returned ${got} of ${all.length} rule(s)${next ? ", with @odata.nextLink" : ""})`,
  };
}

async function idPairs(
  graph: GraphAdapter,
  exchange: ExchangeReader,
  mailbox: string,
): Promise<Pick<Check, "status" | "detail">> {
  const g = await graph.listMessageRules(mailbox);
  const x = await exchange.getInboxRules(mailbox, { includeHidden: false });
  const unique = <T extends { name?: string | null; displayName?: string | null }>(
    rows: T[],
    key: (r: T) => string,
  ) => {
    const m = new Map<string, T[]>();
    for (const r of rows) m.set(key(r), [...(m.get(key(r)) ?? []), r]);
    return new Map([...m].filter(([, v]) => v.length === 1).map(([k, v]) => [k, v[0]!]));
  };
  const gm = unique(g, (r) => r.displayName ?? "");
  const xm = unique(x, (r) => r.name ?? "");
  const pairs = [...gm.keys()]
    .filter((k) => xm.has(k))
    .map((k) => `${gm.get(k)!.id} ↔ ${xm.get(k)!.ruleIdentity}`);
  if (pairs.length === 0)
    return {
      status: "unverified",
      detail:
        "no rule in the probed mailbox is listed once by both Graph and Exchange under one name: no pair to compare",
    };
  return {
    status: "ok",
    detail: `observed pairs (Graph id ↔ RuleIdentity, matched by a name unique on both sides): ${pairs.slice(0, 5).join("; ")}${pairs.length > 5 ? `; … ${pairs.length - 5} more` : ""}. mailwarden never converts one into the other: it resolves by id on each transport, else by name + content`,
  };
}

async function ruleIdentityType(
  exchange: ExchangeReader,
  mailbox: string,
): Promise<Pick<Check, "status" | "detail">> {
  const rules = await exchange.getInboxRules(mailbox, { includeHidden: true });
  const sample = rules[0]?.ruleIdentity;
  return {
    status: "unverified",
    detail: `the bridge projects RuleIdentity with [string] (scripts/exo-bridge.ps1), so its .NET type is not observable through it${sample !== undefined ? `; observed value ${JSON.stringify(sample)} (${sample.length} digits, ${BigInt(sample) > BigInt(Number.MAX_SAFE_INTEGER) ? "beyond" : "within"} JavaScript's safe integers)` : ""}. mailwarden keeps it a decimal string either way`,
  };
}

/** Answers what a read can answer; one row per question of apis.md §E. */
export async function openQuestions(d: OpenQuestionsInput): Promise<Check[]> {
  const out: Check[] = [];
  const row = async (
    surface: Check["surface"],
    n: number,
    title: string,
    fn: () => Pick<Check, "status" | "detail" | "fix"> | Promise<Pick<Check, "status" | "detail" | "fix">>,
  ) => {
    try {
      out.push({ surface, check: q(n, title), ...(await fn()) });
    } catch (e) {
      out.push({
        surface,
        check: q(n, title),
        status: "failed",
        detail: `the read that answers it failed: ${msg(e)}`,
      });
    }
  };
  const mb = d.mailbox;
  const x = d.exchange;

  await row("graph", 1, "error for PATCH/DELETE of a read-only messageRule", () => ({
    status: "unverified",
    detail:
      "only a write can answer; doctor never writes. mailwarden sends rules Graph lists as isReadOnly through Exchange (Disable-InboxRule) instead",
  }));
  await row("graph", 2, "messageRules and $top / paging", async () =>
    mb ? messageRulesTop(d.graph, mb) : { status: "unverified", detail: "no readable mailbox to probe" },
  );
  await row("exchange", 3, "Graph rule id ↔ RuleIdentity", async () =>
    mb && x
      ? idPairs(d.graph, x, mb)
      : { status: "unverified", detail: "needs a readable mailbox on both Graph and Exchange" },
  );
  await row("exchange", 4, ".NET type of RuleIdentity through the bridge", async () =>
    mb && x
      ? ruleIdentityType(x, mb)
      : { status: "unverified", detail: "needs Exchange and a readable mailbox" },
  );
  await row("graph", 5, "Retry-After on Identity Protection 429s", () => ({
    status: "unverified",
    detail:
      "answerable only by observing a 429; doctor does not provoke one (1 request/s per tenant, shared by every app). mailwarden paces these calls instead of relying on Retry-After",
  }));
  await row("graph", 6, "least-privileged permission for revokeSignInSessions", async () => {
    const roles = (await tokenClaims(d.credential, GRAPH_SCOPE)).roles;
    const held = ["User.RevokeSessions.All", "User.ReadWrite.All", "Directory.ReadWrite.All"].filter((r) =>
      roles.includes(r),
    );
    return {
      status: "unverified",
      detail: `the Graph token holds ${held.length ? held.join(", ") : "none of User.RevokeSessions.All, User.ReadWrite.All, Directory.ReadWrite.All"}; whether User.RevokeSessions.All alone suffices is only proven by a revoke (a write)`,
      ...(held.includes("User.RevokeSessions.All")
        ? {}
        : { fix: "grant User.RevokeSessions.All on Microsoft Graph and give admin consent" }),
    };
  });
  await row("exchange", 7, "InvokeCommand @odata.context and Set-* success body", () => ({
    status: "unverified",
    detail:
      "the bridge hands back only the `value` rows, not the envelope, and a Set-* answer needs a write; doctor never writes",
  }));
  await row(
    "exchange",
    8,
    "minimal Exchange RBAC role for the inbox-rule and Set-Mailbox cmdlets",
    async () => {
      const roles = x ? (await tokenClaims(d.credential, EXO_SCOPE)).roles : [];
      return {
        status: "unverified",
        detail: `${x ? `the Exchange token holds ${roles.length ? roles.join(", ") : "no application permission"}` : "Exchange is not enabled"}; the app's Exchange role is not in the token and Get-ManagementRole is not on the bridge's allow-list; write cmdlets are only proven by writing`,
        ...(x && !roles.includes("Exchange.ManageAsApp")
          ? {
              fix: "grant Exchange.ManageAsApp on Office 365 Exchange Online and assign the app an Exchange role",
            }
          : {}),
      };
    },
  );
  return out;
}
