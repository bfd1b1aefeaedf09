/** One line naming what a hit targets, for tables and messages (the CLI's and hunting's alike). */
import type { Hit } from "./hit.js";

export function describeTarget(t: Hit["target"]): string {
  switch (t.kind) {
    case "inboxRule":
      return `rule ${JSON.stringify(t.ruleName)}${t.hidden ? " (hidden)" : ""}`;
    case "mailboxForwarding":
      return "mailbox forwarding";
    case "transportRule":
      return `transport rule ${JSON.stringify(t.name)}`;
    case "delegation":
      return `${t.delegationType} → ${t.trustee}${t.folder ? ` on ${t.folder}` : ""}`;
    case "auditAction":
      return `${t.category}: ${t.summary}`;
  }
}
