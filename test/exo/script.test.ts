import { readFileSync } from "node:fs";
import { beforeAll, describe, expect, it } from "vitest";
import type Parser from "tree-sitter";
import { CONNECT_PARAMETERS, EXO_CMDLETS } from "../../src/adapters/exo/allowlist.js";
import { ERROR_MESSAGE_CATEGORIES, ERROR_TYPE_CATEGORIES } from "../../src/adapters/exo/categories.js";
import { PROTOCOL_VERSION } from "../../src/adapters/exo/protocol.js";
import {
  CAS_MAILBOX_FIELDS,
  FOLDER_PERMISSION_FIELDS,
  INBOX_RULE_FIELDS,
  MAILBOX_FIELDS,
  MAILBOX_PERMISSION_FIELDS,
  MOBILE_DEVICE_FIELDS,
  RECIPIENT_PERMISSION_FIELDS,
  TRANSPORT_RULE_FIELDS,
} from "../../src/adapters/exo/shapes.js";
import {
  assignedValue,
  functionNode,
  hashEntries,
  parseBridgeScript,
  SCRIPT_PATH,
  stringLiterals,
  syntaxProblems,
  walk,
} from "./script-ast.js";

const PROJECTION_FUNCTIONS = {
  inboxRule: "ConvertTo-BridgeInboxRule",
  mailbox: "ConvertTo-BridgeMailbox",
  mailboxPermission: "ConvertTo-BridgeMailboxPermission",
  recipientPermission: "ConvertTo-BridgeRecipientPermission",
  folderPermission: "ConvertTo-BridgeFolderPermission",
  transportRule: "ConvertTo-BridgeTransportRule",
  mobileDevice: "ConvertTo-BridgeMobileDevice",
  casMailbox: "ConvertTo-BridgeCasMailbox",
} as const;

describe("scripts/exo-bridge.ps1", () => {
  let tree: Parser.Tree;
  const text = readFileSync(SCRIPT_PATH, "utf8");
  beforeAll(async () => {
    tree = await parseBridgeScript(text);
  });

  it("parses without ERROR or MISSING nodes", () => {
    expect(syntaxProblems(tree)).toEqual([]);
  });

  it("the parse check can fail: a broken script yields problems", async () => {
    const broken = await parseBridgeScript(
      text.replace("function Write-BridgeLine {", "function Write-BridgeLine {{ ("),
    );
    expect(syntaxProblems(broken).length).toBeGreaterThan(0);
  });

  it("never builds or evaluates command text", () => {
    const commands = [...walk(tree.rootNode)]
      .filter((n) => n.type === "command_name" || n.type === "command_name_expr")
      .map((n) => n.text.toLowerCase());
    expect(commands).not.toContain("invoke-expression");
    expect(commands).not.toContain("iex");
    expect(commands).not.toContain("invoke-command");
    expect(commands).not.toContain("add-type");
    const code = text.replace(/<#[\s\S]*?#>/g, "").replace(/#.*$/gm, "");
    expect(code).not.toMatch(
      /Invoke-Expression|\biex\b|(?<![\w-])-Command\b|-EncodedCommand\b|\[scriptblock\]::Create|NewScriptBlock|\.InvokeScript\(/i,
    );
  });

  it("speaks the protocol version the runner expects", () => {
    expect(assignedValue(tree, "Protocol").text).toBe(String(PROTOCOL_VERSION));
  });

  it("its cmdlet allow-list equals the TypeScript one (cmdlets, parameters, kinds)", () => {
    const fromScript = Object.fromEntries(
      hashEntries(assignedValue(tree, "AllowedCmdlets")).map(([cmdlet, value]) => [
        cmdlet,
        Object.fromEntries(hashEntries(value).map(([param, kind]) => [param, stringLiterals(kind)[0]])),
      ]),
    );
    const fromTs = Object.fromEntries(
      Object.entries(EXO_CMDLETS).map(([cmdlet, spec]) => [cmdlet, { ...spec.parameters }]),
    );
    expect(fromScript).toEqual(fromTs);
  });

  it("projects exactly the cmdlets the TypeScript allow-list projects", () => {
    const fromScript = Object.fromEntries(
      hashEntries(assignedValue(tree, "Projections")).map(([k, v]) => [k, stringLiterals(v)[0]]),
    );
    const fromTs = Object.fromEntries(
      Object.entries(EXO_CMDLETS).flatMap(([cmdlet, spec]) =>
        spec.projection === "none" ? [] : [[cmdlet, PROJECTION_FUNCTIONS[spec.projection]]],
      ),
    );
    expect(fromScript).toEqual(fromTs);
  });

  it("its projections emit the fields of the TypeScript shapes, in order", () => {
    const keys = (fn: string) => hashEntries(functionNode(tree, fn)).map(([k]) => k);
    expect(keys(PROJECTION_FUNCTIONS.inboxRule)).toEqual([...INBOX_RULE_FIELDS]);
    expect(keys(PROJECTION_FUNCTIONS.mailbox)).toEqual([...MAILBOX_FIELDS]);
    expect(keys(PROJECTION_FUNCTIONS.mailboxPermission)).toEqual([...MAILBOX_PERMISSION_FIELDS]);
    expect(keys(PROJECTION_FUNCTIONS.recipientPermission)).toEqual([...RECIPIENT_PERMISSION_FIELDS]);
    expect(keys(PROJECTION_FUNCTIONS.folderPermission)).toEqual([...FOLDER_PERMISSION_FIELDS]);
    expect(keys(PROJECTION_FUNCTIONS.transportRule)).toEqual([...TRANSPORT_RULE_FIELDS]);
    expect(keys(PROJECTION_FUNCTIONS.mobileDevice)).toEqual([...MOBILE_DEVICE_FIELDS]);
    expect(keys(PROJECTION_FUNCTIONS.casMailbox)).toEqual([...CAS_MAILBOX_FIELDS]);
  });

  it("accepts the same connect parameters", () => {
    expect(stringLiterals(assignedValue(tree, "ConnectParameters"))).toEqual([...CONNECT_PARAMETERS]);
  });

  it("maps errors to categories with the same tables", () => {
    const messages = hashEntries(assignedValue(tree, "ErrorMessageCategories")).map(([k, v]) => [
      k,
      stringLiterals(v)[0],
    ]);
    expect(messages).toEqual(ERROR_MESSAGE_CATEGORIES.map(([a, b]) => [a, b]));
    const types = Object.fromEntries(
      hashEntries(assignedValue(tree, "ErrorTypeCategories")).map(([k, v]) => [k, stringLiterals(v)[0]]),
    );
    expect(types).toEqual({ ...ERROR_TYPE_CATEGORIES });
  });

  it("splats parameters instead of building a command line", () => {
    const invoke = functionNode(tree, "Invoke-BridgeCmdlet").text;
    expect(invoke).toMatch(/& \$cmdlet @splat -ErrorAction Stop/);
    const connect = functionNode(tree, "Invoke-BridgeConnect").text;
    expect(connect).toMatch(
      /Connect-ExchangeOnline @connect -ShowBanner:\$false -SkipLoadingFormatData -CommandName \$commandNames/,
    );
    expect(connect).toMatch(/ConvertTo-SecureString -String \$value -AsPlainText -Force/);
  });
});
