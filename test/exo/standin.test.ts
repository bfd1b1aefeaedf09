/**
 * The pwsh stand-in as a process: it runs only the reviewed bridge script (by SHA-256), parses pwsh's argv, and
 * answers the protocol's own checks exactly like the script (no emulator needed for these).
 */
import { createHash } from "node:crypto";
import { existsSync, readFileSync, statSync } from "node:fs";
import { mkdtemp, mkdir, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { execa } from "execa";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parsePwshArgs } from "../../src/emulator/pwsh/argv.js";
import { KNOWN_SCRIPTS } from "../../src/emulator/pwsh/known-scripts.js";
import { shQuote, standinEntryPath, writePwshWrapper } from "../../src/emulator/pwsh/wrapper.js";
import { SCRIPT_PATH } from "./script-ast.js";

const ARGS = (script: string) => ["-NoLogo", "-NoProfile", "-NonInteractive", "-File", script];

function runStandin(args: string[], input = "", env: Record<string, string> = {}) {
  return execa(process.execPath, [standinEntryPath(), ...args], {
    input,
    reject: false,
    env,
    timeout: 15_000,
  });
}

function responses(stdout: string): unknown[] {
  return stdout
    .split("\n")
    .filter(Boolean)
    .map((l) => JSON.parse(l) as unknown);
}

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), "mw-standin-"));
  expect(existsSync(standinEntryPath()), "build dist/ first (node scripts/test.mjs does)").toBe(true);
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe("pwsh stand-in: which scripts it runs", () => {
  it("knows the current scripts/exo-bridge.ps1 (edit the script → review the stand-in → update known-scripts.ts)", () => {
    const hash = createHash("sha256").update(readFileSync(SCRIPT_PATH)).digest("hex");
    expect(KNOWN_SCRIPTS, `scripts/exo-bridge.ps1 now hashes to ${hash}`).toHaveProperty(hash, 1);
  });

  it("refuses a script whose hash it does not know: exit 64, pwsh-like message, nothing on stdout", async () => {
    const tampered = path.join(dir, "exo-bridge.ps1");
    await writeFile(
      tampered,
      readFileSync(SCRIPT_PATH, "utf8").replace("$Protocol = 1", "$Protocol = 1; Remove-Mailbox ceo"),
    );
    const r = await runStandin(ARGS(tampered));
    expect(r.exitCode).toBe(64);
    expect(r.stdout).toBe("");
    expect(r.stderr).toContain("refusing to run");
    expect(r.stderr).toMatch(/SHA-256 [0-9a-f]{64}/);
  });

  it("refuses a missing script like pwsh does", async () => {
    const r = await runStandin(ARGS(path.join(dir, "nope.ps1")));
    expect(r.exitCode).toBe(64);
    expect(r.stderr).toContain("is not recognized as the name of a script file");
  });

  it("starts on the real script and says ready with protocol 1", async () => {
    const r = await runStandin(ARGS(SCRIPT_PATH));
    expect(r.exitCode).toBe(0);
    expect(responses(r.stdout)).toEqual([{ ready: true, protocol: 1 }]);
  });
});

describe("pwsh stand-in: argv", () => {
  it("accepts pwsh's case-insensitive, abbreviated switches", () => {
    expect(parsePwshArgs(["-nologo", "-NOP", "-noni", "-f", "/x.ps1"])).toEqual({
      ok: true,
      file: "/x.ps1",
      scriptArgs: [],
    });
    expect(parsePwshArgs(["-NonInteractive", "-File", "/x.ps1", "-Force"])).toEqual({
      ok: true,
      file: "/x.ps1",
      scriptArgs: ["-Force"],
    });
  });

  it.each([
    [["-NoLogo", "-File", "/x.ps1"]],
    [["-NonInteractive", "-Command", "Get-Mailbox"]],
    [["-NonInteractive", "-EncodedCommand", "AAAA"]],
    [["-NonInteractive"]],
    [["-NonInteractive", "-File"]],
    [["/x.ps1"]],
  ])("refuses %j", (argv) => {
    expect(parsePwshArgs(argv).ok).toBe(false);
  });

  it("exits 64 for argv it does not emulate", async () => {
    const r = await runStandin(["-NonInteractive", "-Command", "Get-Mailbox"]);
    expect(r.exitCode).toBe(64);
  });
});

describe("pwsh stand-in: protocol checks (answered like the script)", () => {
  it("answers ping, refuses invoke before connect, malformed lines and unknown ops", async () => {
    const lines = [
      '{"id":"1","op":"ping"}',
      '{"id":"2","op":"invoke","cmdlet":"Get-Mailbox","params":{"Identity":"a@b.c"}}',
      "not json",
      '["id"]',
      '{"op":"ping"}',
      '{"id":"3","op":"exec"}',
      '{"id":"4","op":"connect","params":{"AppId":"a","Organization":"o"}}',
      '{"id":"5","op":"connect","params":{"AppId":"a","Organization":"o","AccessToken":"t","Command":"x"}}',
      '{"id":"6","op":"connect","params":{"AppId":"a","Organization":"o","CertificateFilePath":"/c.pfx","CertificatePassword":"p"}}',
      '{"id":"7","op":"disconnect"}',
      '{"id":"8","op":["connect","ping"]}',
    ];
    const r = await runStandin(ARGS(SCRIPT_PATH), lines.join("\n") + "\n");
    const [ready, ...out] = responses(r.stdout);
    expect(ready).toEqual({ ready: true, protocol: 1 });
    expect(out).toEqual([
      { id: "1", ok: true, result: { pong: true, connected: false } },
      {
        id: "2",
        ok: false,
        error: {
          category: "NotConnected",
          type: "System.InvalidOperationException",
          message: "NotConnected: send a connect request first.",
        },
      },
      {
        id: null,
        ok: false,
        error: expect.objectContaining({ category: "InvalidParameter", type: "System.ArgumentException" }),
      },
      {
        id: null,
        ok: false,
        error: {
          category: "InvalidParameter",
          type: "System.ArgumentException",
          message: "A request must be a JSON object.",
        },
      },
      {
        id: null,
        ok: false,
        error: {
          category: "InvalidParameter",
          type: "System.ArgumentException",
          message: "A request needs a non-empty string id.",
        },
      },
      {
        id: "3",
        ok: false,
        error: { category: "InvalidParameter", type: "System.ArgumentException", message: "Unknown op." },
      },
      {
        id: "4",
        ok: false,
        error: {
          category: "InvalidParameter",
          type: "System.ArgumentException",
          message: "AccessToken or CertificateFilePath is required.",
        },
      },
      {
        id: "5",
        ok: false,
        error: {
          category: "InvalidParameter",
          type: "System.ArgumentException",
          message: "Connect parameter 'Command' is not allowed.",
        },
      },
      { id: "6", ok: false, error: expect.objectContaining({ category: "Unsupported" }) },
      { id: "7", ok: true, result: { connected: false } },
      {
        id: "8",
        ok: false,
        error: { category: "InvalidParameter", type: "System.ArgumentException", message: "Unknown op." },
      },
    ]);
  });

  it("checks the allow-list after connecting, before any network call", async () => {
    const lines = [
      '{"id":"1","op":"connect","params":{"AppId":"a","Organization":"contoso.onmicrosoft.com","AccessToken":"t","ConnectionUri":"https://127.0.0.1:9"}}',
      '{"id":"2","op":"invoke","cmdlet":"Remove-Mailbox","params":{"Identity":"a@b.c"}}',
      '{"id":"3","op":"invoke","cmdlet":"Get-Mailbox","params":{"Identity":"*"}}',
      '{"id":"4","op":"invoke","cmdlet":"Get-InboxRule","params":{"Mailbox":"a@b.c","Filter":"x"}}',
      '{"id":"5","op":"invoke","cmdlet":"Set-Mailbox","params":{"Identity":"a@b.c","ForwardingSmtpAddress":null}}',
      '{"id":"6","op":"invoke","cmdlet":"Get-Mailbox","params":[1]}',
    ];
    const r = await runStandin(ARGS(SCRIPT_PATH), lines.join("\n") + "\n");
    const out = responses(r.stdout).slice(1);
    expect(out[0]).toEqual({ id: "1", ok: true, result: { connected: true } });
    expect(out[1]).toMatchObject({
      id: "2",
      ok: false,
      error: { category: "Unsupported", message: "The cmdlet is not on the bridge allow-list." },
    });
    expect(out[2]).toMatchObject({
      id: "3",
      ok: false,
      error: {
        category: "InvalidParameter",
        message: "Parameter 'Identity' must be a non-empty string without wildcards.",
      },
    });
    expect(out[3]).toMatchObject({
      id: "4",
      ok: false,
      error: {
        category: "InvalidParameter",
        message: "Parameter 'Filter' is not allowed for Get-InboxRule.",
      },
    });
    // Set-Mailbox without -Confirm:$false prompts, which -NonInteractive turns into an error (no network call needed).
    expect(out[4]).toMatchObject({
      id: "5",
      ok: false,
      error: {
        category: "Failed",
        message: "PowerShell is in NonInteractive mode. Read and Prompt functionality is not available.",
      },
    });
    expect(out[5]).toMatchObject({
      id: "6",
      ok: false,
      error: { category: "InvalidParameter", message: "params must be a JSON object." },
    });
  });
});

describe("writePwshWrapper", () => {
  it("quotes for sh", () => {
    expect(shQuote("a b")).toBe("'a b'");
    expect(shQuote("it's $(x) `y`")).toBe("'it'\\''s $(x) `y`'");
  });

  it("writes an executable that runs the stand-in, even from a directory with quotes and spaces in its name", async () => {
    const odd = path.join(dir, "it's a $(dir) `x`");
    await mkdir(odd, { recursive: true });
    const ca = path.join(odd, "ca'.pem");
    await writeFile(ca, "");
    const file = writePwshWrapper(odd, { caFile: ca });
    expect(file).toBe(path.join(odd, "pwsh"));
    expect(statSync(file).mode & 0o111).not.toBe(0);
    const text = readFileSync(file, "utf8");
    expect(text.startsWith("#!/bin/sh\n")).toBe(true);
    expect(text).toContain(shQuote(`NODE_EXTRA_CA_CERTS=${ca}`));
    const r = await execa(file, ARGS(SCRIPT_PATH), {
      input: '{"id":"1","op":"ping"}\n',
      reject: false,
      timeout: 15_000,
    });
    expect(r.exitCode).toBe(0);
    expect(responses(r.stdout)[1]).toEqual({ id: "1", ok: true, result: { pong: true, connected: false } });
  });
});

describe("pwsh stand-in: the new parameter kinds (Word, WordList, IdentityListEdit)", () => {
  it("refuses malformed values before any network call, and prompts for destructive cmdlets without -Confirm:$false", async () => {
    const connect =
      '{"id":"0","op":"connect","params":{"AppId":"a","Organization":"contoso.onmicrosoft.com","AccessToken":"t","ConnectionUri":"https://127.0.0.1:9"}}';
    const invoke = (id: string, cmdlet: string, params: unknown) =>
      JSON.stringify({ id, op: "invoke", cmdlet, params });
    const lines = [
      connect,
      invoke("1", "Add-MailboxPermission", { Identity: "a@b.c", User: "d@b.c", AccessRights: "FullAccess" }),
      invoke("2", "Add-MailboxPermission", { Identity: "a@b.c", User: "d@b.c", AccessRights: [] }),
      invoke("3", "Add-MailboxPermission", {
        Identity: "a@b.c",
        User: "d@b.c",
        AccessRights: ["Full Access"],
      }),
      invoke("4", "Get-TransportRule", { State: "Enabled; Remove-TransportRule x" }),
      invoke("5", "Set-Mailbox", { Identity: "a@b.c", GrantSendOnBehalfTo: [], Confirm: false }),
      invoke("6", "Set-Mailbox", { Identity: "a@b.c", GrantSendOnBehalfTo: { add: ["*"] }, Confirm: false }),
      invoke("7", "Set-Mailbox", {
        Identity: "a@b.c",
        GrantSendOnBehalfTo: { replace: ["x"] },
        Confirm: false,
      }),
      invoke("8", "Set-Mailbox", { Identity: "a@b.c", GrantSendOnBehalfTo: { add: [] }, Confirm: false }),
      invoke("9", "Set-Mailbox", { Identity: "a@b.c", GrantSendOnBehalfTo: "x@b.c", Confirm: false }),
      invoke("10", "Remove-InboxRule", { Mailbox: "a@b.c", Identity: "1" }),
      invoke("11", "Remove-MailboxPermission", {
        Identity: "a@b.c",
        User: "d@b.c",
        AccessRights: ["FullAccess"],
      }),
      invoke("12", "Remove-RecipientPermission", {
        Identity: "a@b.c",
        Trustee: "d@b.c",
        AccessRights: ["SendAs"],
      }),
      invoke("13", "Remove-MailboxFolderPermission", { Identity: "a@b.c:\\Calendar", User: "d@b.c" }),
      invoke("14", "Disable-TransportRule", { Identity: "x" }),
    ];
    const r = await runStandin(ARGS(SCRIPT_PATH), lines.join("\n") + "\n");
    const out = responses(r.stdout).slice(2) as Array<{
      id: string;
      error: { category: string; message: string };
    }>;
    const byId = Object.fromEntries(out.map((o) => [o.id, o.error]));
    for (const id of ["1", "2", "3"]) {
      expect(byId[id], id).toEqual({
        category: "InvalidParameter",
        type: "System.ArgumentException",
        message: "Parameter 'AccessRights' must be a non-empty list of words.",
      });
    }
    expect(byId["4"]?.message).toBe("Parameter 'State' must be a single word.");
    for (const id of ["5", "6", "7", "8", "9"]) {
      expect(byId[id]?.message, id).toBe(
        `Parameter 'GrantSendOnBehalfTo' must be null, a non-empty list of identities, or {"add":[...],"remove":[...]}.`,
      );
    }
    for (const id of ["10", "11", "12", "13", "14"]) {
      expect(byId[id], id).toMatchObject({
        category: "Failed",
        message: "PowerShell is in NonInteractive mode. Read and Prompt functionality is not available.",
      });
    }
  });
});

describe("pwsh stand-in: what the module sends", () => {
  it("drops -Confirm and unset switches, keeps arrays, and sends {add, remove} as an Exchange.GenericHashTable", async () => {
    const { restParameters } = await import("../../src/emulator/pwsh/rest-parameters.js");
    expect(
      restParameters("Set-Mailbox", {
        Identity: "a@b.c",
        GrantSendOnBehalfTo: { add: ["x@b.c"], remove: ["y@b.c"] },
        Confirm: false,
      }),
    ).toEqual({
      Identity: "a@b.c",
      GrantSendOnBehalfTo: { "@odata.type": "#Exchange.GenericHashTable", Add: ["x@b.c"], Remove: ["y@b.c"] },
    });
    expect(restParameters("Set-Mailbox", { Identity: "a", GrantSendOnBehalfTo: { remove: ["y"] } })).toEqual({
      Identity: "a",
      GrantSendOnBehalfTo: { "@odata.type": "#Exchange.GenericHashTable", Remove: ["y"] },
    });
    expect(
      restParameters("Remove-InboxRule", {
        Mailbox: "m",
        Identity: "1",
        Force: false,
        AlwaysDeleteOutlookRulesBlob: true,
      }),
    ).toEqual({ Mailbox: "m", Identity: "1", AlwaysDeleteOutlookRulesBlob: true });
    expect(
      restParameters("Add-MailboxPermission", { Identity: "m", User: "u", AccessRights: ["FullAccess"] }),
    ).toEqual({ Identity: "m", User: "u", AccessRights: ["FullAccess"] });
  });
});
