/**
 * `doctor` rows for notices (docs/notices.md), without sending one: the webhook's secret can be read; the Teams
 * credential gets a *delegated* Graph token carrying ChannelMessage.Send (Graph refuses channel messages from
 * app-only tokens). Team membership and the webhook receiver are proven by the first notice only.
 */
import type { TokenCredential } from "@azure/identity";
import { tokenClaims } from "../adapters/token-claims.js";
import type { Config } from "../config/schema.js";
import { resolveSecret } from "../notify/secret.js";
import { teamsCredential } from "../notify/teams.js";
import type { Check } from "./check.js";

const GRAPH_SCOPE = "https://graph.microsoft.com/.default";
const SEND_SCOPES = ["ChannelMessage.Send", "Group.ReadWrite.All"];

export async function noticeChecks(
  config: Config,
  env: NodeJS.ProcessEnv,
  credentialOverride?: TokenCredential,
): Promise<Check[]> {
  const n = config.notify;
  if (!n) return [];
  const out: Check[] = [];
  if (n.webhook) {
    const s = await resolveSecret(n.webhook, env);
    out.push(
      s.ok
        ? {
            surface: "config",
            check: "notify webhook secret",
            status: "ok",
            detail: `readable; notices go to ${new URL(n.webhook.url).origin} (not probed: doctor sends no notice)`,
          }
        : {
            surface: "config",
            check: "notify webhook secret",
            status: "failed",
            detail: s.reason,
            fix: "set notify.webhook.secretEnv's variable, or make notify.webhook.secretFile readable",
          },
    );
  }
  if (n.teams) {
    const cred = teamsCredential(n.teams, {
      tenantId: config.tenant.id,
      authorityHost: config.endpoints.authorityHost,
      env,
      ...(credentialOverride ? { credential: credentialOverride } : {}),
    });
    const check = "notify teams token";
    if (typeof cred === "string") {
      out.push({ surface: "graph", check, status: "failed", detail: cred, fix: "set the password variable" });
      return out;
    }
    try {
      const c = await tokenClaims(cred, GRAPH_SCOPE);
      if (c.scp === undefined) {
        out.push({
          surface: "graph",
          check,
          status: "failed",
          detail:
            "an app-only token: Graph posts channel messages only for a signed-in user (application permission Teamwork.Migrate.All is for migration only)",
          fix: "configure notify.teams.credential with a delegated sign-in (docs/notices.md)",
        });
      } else if (!c.scp.some((s) => SEND_SCOPES.includes(s))) {
        out.push({
          surface: "graph",
          check,
          status: "missing",
          detail: `delegated token for ${c.upn ?? "the notices account"}; scp: ${c.scp.join(" ") || "(none)"}`,
          fix: "grant the delegated permission ChannelMessage.Send to the notices app and give admin consent",
        });
      } else {
        out.push({
          surface: "graph",
          check,
          status: "ok",
          detail: `delegated token for ${c.upn ?? "the notices account"} with ${c.scp.filter((s) => SEND_SCOPES.includes(s)).join(", ")}; team membership is proven by the first notice`,
        });
      }
    } catch (e) {
      out.push({
        surface: "graph",
        check,
        status: "failed",
        // One line: Entra's descriptions span several.
        detail: (e instanceof Error ? e.message : String(e)).replace(/\s*\r?\n\s*/g, " "),
        fix: "check notify.teams.credential: the app allows public client flows, the account's password, and that no MFA or Conditional Access policy blocks its password sign-in",
      });
    }
  }
  return out;
}
