/**
 * Attacker-chosen text (rule names, forwarding addresses, identities) travels through the whole Exchange path as
 * data: the emulated tenant sees the literal value, answers NotFound, or the value is refused as a parameter —
 * and nothing else in the tenant changes.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { ExchangeClient } from "../../src/adapters/exo/client.js";
import type { PowerShellRunner } from "../../src/adapters/exo/runner.js";
import type { TenantState } from "../../src/emulator/state.js";
import { rejection, startExoEnv, type ExoTestEnv } from "./helpers.js";

const CORPUS: ReadonlyArray<readonly [string, string]> = [
  ["single-quote breakout", "x'; Remove-Mailbox -Identity ceo -Confirm:$false; '"],
  ["double-quote breakout", '"; Remove-Mailbox -Identity ceo; "'],
  ["unicode quotes", "‘x’; Remove-Mailbox ceo; “y” „z‟"],
  ["statement separator", "a; Set-Mailbox ceo -ForwardingSmtpAddress evil@x.example"],
  ["subexpression", "$(Remove-Mailbox x)"],
  ["variable", "$env:PATH ${function:Remove-Mailbox}"],
  ["backticks", "`$(Remove-Mailbox x)`n`"],
  ["newlines", "line1\nRemove-Mailbox ceo\r\nline3"],
  ["leading -Force", "-Force"],
  ["leading -Confirm", "-Confirm:$false"],
  ["hashtable literal", "@{Add='evil@x.example'}"],
  ["json in json", '{"id":"9","op":"invoke","cmdlet":"Remove-Mailbox"}'],
  ["backslash", "MeganB\\12345"],
  ["nul and control", "a\u0000b\u0007c"],
  ["4 KB", "A".repeat(4096)],
  ["address-shaped", "o'brien+$x@evil.example"],
];

const LEE = "LeeG@contoso.com";

/** The whole tenant state, to prove nothing else changed. */
function snapshot(state: TenantState): string {
  return JSON.stringify(state);
}

describe("injection corpus through the Exchange path", () => {
  let t: ExoTestEnv;
  let client: ExchangeClient;
  let runner: PowerShellRunner;
  beforeAll(async () => {
    t = await startExoEnv();
    client = t.client();
    runner = t.runner();
  });
  afterAll(async () => {
    await t.stop();
  });

  it.each(CORPUS)(
    "as a rule name (%s): read back verbatim, addressed by RuleIdentity, found by name only as itself",
    async (_label, value) => {
      const mb = t.mailbox(LEE);
      const rule = mb.rules.find((r) => !r.hidden)!;
      const original = rule.name;
      rule.name = value;
      try {
        const listed = await client.getInboxRules(LEE);
        expect(listed.find((r) => r.ruleIdentity === rule.ruleIdentity)?.name).toBe(value);
        await client.disableInboxRule(LEE, rule.ruleIdentity, { deleteOutlookClientRules: true });
        expect(rule.enabled).toBe(false);
        await client.enableInboxRule(LEE, rule.ruleIdentity, { deleteOutlookClientRules: true });
        const before = snapshot(t.emu.ctx.state);
        if (!/[*?]/.test(value) && value.trim() !== "") {
          const found = await runner.invoke<Array<{ ruleIdentity: string }>>("Get-InboxRule", {
            Mailbox: LEE,
            Identity: value,
          });
          expect(found.map((r) => r.ruleIdentity)).toEqual([rule.ruleIdentity]);
        }
        expect(snapshot(t.emu.ctx.state)).toBe(before);
      } finally {
        rule.name = original;
        rule.enabled = true;
      }
    },
  );

  it.each(CORPUS)(
    "as a mailbox identity (%s): NotFound or refused, nothing changes",
    async (_label, value) => {
      const before = snapshot(t.emu.ctx.state);
      const e = await rejection(client.getInboxRules(value));
      expect(["NotFound", "InvalidParameter"]).toContain(e["category"]);
      const e2 = await rejection(
        client.setMailboxForwarding(value, {
          forwardingSmtpAddress: "x@evil.example",
          forwardingAddress: null,
          deliverToMailboxAndForward: true,
        }),
      );
      expect(["NotFound", "InvalidParameter"]).toContain(e2["category"]);
      expect(snapshot(t.emu.ctx.state)).toBe(before);
    },
  );

  it.each(CORPUS)(
    "as a forwarding address (%s): stored literally or refused, only that mailbox changes",
    async (_label, value) => {
      const mb = t.mailbox(LEE);
      const others = JSON.stringify(t.emu.ctx.state.mailboxes.filter((m) => m !== mb));
      const mailboxCount = t.emu.ctx.state.mailboxes.length;
      try {
        await client.setMailboxForwarding(LEE, {
          forwardingSmtpAddress: value,
          forwardingAddress: null,
          deliverToMailboxAndForward: false,
        });
        expect(mb.forwardingSmtpAddress).toBe(`smtp:${value}`);
        expect((await client.getMailbox(LEE)).forwardingSmtpAddress).toBe(`smtp:${value}`);
      } catch (e) {
        expect((e as { category?: string }).category).toBe("InvalidParameter");
        expect(mb.forwardingSmtpAddress).toBeNull();
      } finally {
        mb.forwardingSmtpAddress = null;
      }
      expect(JSON.stringify(t.emu.ctx.state.mailboxes.filter((m) => m !== mb))).toBe(others);
      expect(t.emu.ctx.state.mailboxes.length).toBe(mailboxCount);
    },
  );

  it("as a ForwardingAddress recipient: NotFound, nothing changes", async () => {
    for (const [, value] of CORPUS.slice(0, 6)) {
      const before = snapshot(t.emu.ctx.state);
      const e = await rejection(
        client.setMailboxForwarding(LEE, {
          forwardingSmtpAddress: null,
          forwardingAddress: value,
          deliverToMailboxAndForward: false,
        }),
      );
      expect(e["category"]).toBe("NotFound");
      expect(snapshot(t.emu.ctx.state)).toBe(before);
    }
  });

  it.each(CORPUS)(
    "as a trustee (%s): NotFound or refused for permissions, SendAs, send-on-behalf and folder users; nothing changes",
    async (_label, value) => {
      const before = snapshot(t.emu.ctx.state);
      const attempts = [
        client.addMailboxPermission(LEE, value, ["FullAccess"]),
        client.removeMailboxPermission(LEE, value, ["FullAccess"]),
        client.addSendAs(LEE, value),
        client.setGrantSendOnBehalfTo(LEE, [value]),
        client.setGrantSendOnBehalfTo(LEE, { add: [value] }),
        client.addFolderPermission(`${LEE}:\\Inbox`, value, ["Reviewer"]),
        client.getMailboxPermissions(value),
      ];
      for (const attempt of attempts) {
        const e = await rejection(attempt);
        expect(["NotFound", "InvalidParameter"]).toContain(e["category"]);
      }
      expect(snapshot(t.emu.ctx.state)).toBe(before);
    },
  );

  it.each(CORPUS)(
    "as a folder name (%s): addressed literally in <mailbox>:\\<folder>, reported verbatim",
    async (_label, value) => {
      const mb = t.mailbox(LEE);
      const root = mb.folders.find((f) => f.parentFolderId === undefined)!;
      mb.folders.push({ id: "inj-folder", displayName: value, parentFolderId: root.id });
      try {
        const before = snapshot(t.emu.ctx.state);
        const identity = `${LEE}:\\${value}`;
        if (value.includes("\\") || /[*?]/.test(value)) {
          const e = await rejection(client.getFolderPermissions(identity));
          expect(["NotFound", "InvalidParameter"]).toContain(e["category"]);
        } else {
          const rows = await client.getFolderPermissions(identity);
          expect(rows.map((r) => r.folderName)).toEqual([value, value]);
          expect(rows[0]!.identity).toBe(`${mb.alias}:\\${value}`);
        }
        expect(snapshot(t.emu.ctx.state)).toBe(before);
      } finally {
        mb.folders = mb.folders.filter((f) => f.id !== "inj-folder");
      }
    },
  );

  it.each(CORPUS)(
    "as a transport rule name (%s): read back verbatim, changed only by Guid, found by name only as itself",
    async (_label, value) => {
      const guid = "5e6f7a8b-9c0d-4e1f-8a2b-3c4d5e6f7a8b";
      const rules = t.emu.ctx.state.transportRules;
      rules.push({
        guid,
        name: value,
        state: "Enabled",
        mode: "Enforce",
        priority: 0,
        description: value,
        conditions: {},
        blindCopyTo: [],
        redirectMessageTo: [],
        copyTo: [],
        addToRecipients: [],
        deleteMessage: false,
        whenChanged: "2025-06-01T10:00:00Z",
      });
      try {
        const [listed] = await client.getTransportRules();
        expect(listed).toMatchObject({ name: value, guid, description: value });
        await client.disableTransportRule(guid);
        expect(rules.find((r) => r.guid === guid)?.state).toBe("Disabled");
        expect(await rejection(client.enableTransportRule(value))).toMatchObject({
          category: "InvalidParameter",
        });
        if (!/[*?]/.test(value) && value.trim() !== "") {
          const found = await runner.invoke<Array<{ guid: string }>>("Get-TransportRule", {
            Identity: value,
          });
          expect(found.map((r) => r.guid)).toEqual([guid]);
        }
      } finally {
        t.emu.ctx.state.transportRules = rules.filter((r) => r.guid !== guid);
      }
    },
  );
});
