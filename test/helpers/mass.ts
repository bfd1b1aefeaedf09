/**
 * A tenant with many compromised mailboxes, for the durability tests (crash loops, two processes at once): the
 * default Contoso scenario plus `n` users, each with the attacker's forwarding rule, and every other one also
 * with mailbox forwarding. `expected(state)` lists what containment must change, and `snapshot(state)` the
 * containment-relevant state to compare before and after a rollback.
 */
import { ATTACKER_DOMAIN, defaultScenario } from "../../src/emulator/scenarios/default.js";
import type { Scenario } from "../../src/emulator/scenario.js";
import type { TenantState } from "../../src/emulator/state.js";

export function massScenario(n: number): Scenario {
  const users = Array.from({ length: n }, (_, i) => {
    const alias = `user${String(i).padStart(3, "0")}`;
    return {
      userPrincipalName: `${alias}@contoso.com`,
      displayName: `User ${i}`,
      givenName: "User",
      surname: String(i),
      createdDateTime: "2024-01-01T00:00:00Z",
      signInSessionsValidFromDateTime: "2025-05-01T00:00:00Z",
      mailbox: {
        alias,
        ...(i % 2 === 0
          ? {
              forwardingSmtpAddress: `smtp:${alias}-copy@${ATTACKER_DOMAIN}`,
              deliverToMailboxAndForward: true,
            }
          : {}),
        rules: [
          {
            name: `sync ${i}`,
            createdBy: "graph" as const,
            conditions: { subjectOrBodyContainsWords: ["invoice", "payment", "wire"] },
            actions: {
              forwardTo: [{ address: `${alias}@${ATTACKER_DOMAIN}`, name: alias }],
              markAsRead: true,
            },
          },
        ],
      },
    };
  });
  return { ...defaultScenario, users: [...(defaultScenario.users ?? []), ...users] };
}

export interface Contained {
  rules: Map<string, boolean>;
  forwarding: Map<string, string | null>;
  validFrom: Map<string, string>;
}

/** Enabled state of every non-system rule, forwarding of every mailbox, sessions' valid-from of every user. */
export function snapshot(state: TenantState): Contained {
  const rules = new Map<string, boolean>();
  const forwarding = new Map<string, string | null>();
  for (const m of state.mailboxes) {
    for (const r of m.rules) if (!r.system) rules.set(`${m.userId}/${r.ruleIdentity}`, r.enabled);
    forwarding.set(
      m.userId,
      `${m.forwardingSmtpAddress ?? ""}|${m.forwardingAddress ?? ""}|${m.deliverToMailboxAndForward}`,
    );
  }
  const validFrom = new Map(
    state.users.map((u) => [u.id, u.signInSessionsValidFromDateTime] as [string, string]),
  );
  return { rules, forwarding, validFrom };
}

/** Users of the mass scenario (userNNN@contoso.com). */
export const massUsers = (state: TenantState) =>
  state.users.filter((u) => /^user\d{3}@/.test(u.userPrincipalName));
