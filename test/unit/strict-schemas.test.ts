/**
 * Strict at every depth: walks each zod schema of a file a user writes (config, playbook, the emulator's scenario
 * and faults files), finds every object node — inside arrays, unions and discriminated unions too — and proves,
 * through the real loader, that each rejects an unknown key at its own dotted path and suggests the key a typo most
 * likely meant. A new object without `strict` (or a sample document that no longer reaches a node) fails here.
 */
import { mkdtempSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import type { z } from "zod";
import { didYouMean, type Issue } from "../../src/config/issues.js";
import { loadConfig } from "../../src/config/load.js";
import { configSchema } from "../../src/config/schema.js";
import { FaultsError, faultsSchema, parseFaults } from "../../src/emulator/faults/config.js";
import { ScenarioError, parseScenario, scenarioSchema } from "../../src/emulator/scenario.js";
import { PlaybookError, parsePlaybook } from "../../src/playbooks/load.js";
import { playbookSchema } from "../../src/playbooks/schema.js";

type Doc = Record<string, unknown>;
/** A key, or `*` for any array element. */
type Seg = string;
type Key = string | number;

interface Def {
  type: string;
  innerType?: z.ZodType;
  in?: z.ZodType;
  out?: z.ZodType;
  getter?: () => z.ZodType;
  shape?: Record<string, z.ZodType>;
  element?: z.ZodType;
  valueType?: z.ZodType;
  options?: z.ZodType[];
  discriminator?: string;
  left?: z.ZodType;
  right?: z.ZodType;
  items?: z.ZodType[];
  values?: unknown[];
}
const defOf = (s: z.ZodType) => (s as unknown as { _zod: { def: Def } })._zod.def;

const LEAVES = new Set([
  "string",
  "number",
  "int",
  "boolean",
  "bigint",
  "literal",
  "enum",
  "null",
  "undefined",
  "void",
  "date",
  "any",
  "unknown",
  "never",
  "nan",
  "transform",
  "template_literal",
  "custom",
]);
const WRAPPERS = new Set(["optional", "nullable", "default", "prefault", "readonly", "catch", "nonoptional"]);

interface ObjectNode {
  label: string;
  /** Where in a document the object sits: keys, `*` for any array element. */
  pattern: Seg[];
  schema: z.ZodType;
}

/** Every object node of a schema, with where it sits in a document. */
function objectNodes(schema: z.ZodType): ObjectNode[] {
  const out: ObjectNode[] = [];
  // A recursive schema (a lazy that contains itself, e.g. predicates' all / any / not) is walked once per path.
  const lazyOnPath = new Set<unknown>();
  const walk = (s: z.ZodType, pattern: Seg[], label: string, depth: number): void => {
    if (depth > 40) throw new Error(`schema too deep at ${label}`);
    const d = defOf(s);
    if (WRAPPERS.has(d.type)) return walk(d.innerType!, pattern, label, depth + 1);
    switch (d.type) {
      case "pipe":
        walk(d.in!, pattern, label, depth + 1);
        walk(d.out!, pattern, label, depth + 1);
        return;
      case "lazy": {
        if (lazyOnPath.has(s)) return;
        lazyOnPath.add(s);
        walk(d.getter!(), pattern, label, depth + 1);
        lazyOnPath.delete(s);
        return;
      }
      case "object":
        out.push({ label: label || "(root)", pattern, schema: s });
        for (const [k, v] of Object.entries(d.shape!))
          walk(v, [...pattern, k], label ? `${label}.${k}` : k, depth + 1);
        return;
      case "array":
        return walk(d.element!, [...pattern, "*"], `${label}[]`, depth + 1);
      case "record":
        return walk(d.valueType!, [...pattern, "*"], `${label}{}`, depth + 1);
      case "tuple":
        return d.items!.forEach((item, i) =>
          walk(item, [...pattern, String(i)], `${label}[${i}]`, depth + 1),
        );
      case "intersection":
        walk(d.left!, pattern, label, depth + 1);
        walk(d.right!, pattern, label, depth + 1);
        return;
      case "union":
        return d.options!.forEach((o, i) => {
          const disc = d.discriminator;
          const v = disc ? defOf(defOf(o).shape?.[disc] ?? o).values?.[0] : undefined;
          walk(o, pattern, `${label}<${disc ? `${disc}=${String(v)}` : `option ${i}`}>`, depth + 1);
        });
      default:
        if (!LEAVES.has(d.type)) throw new Error(`the walker does not know zod type ${d.type} (at ${label})`);
    }
  };
  walk(schema, [], "", 0);
  return out;
}

/** The concrete paths in `doc` that match `pattern`. */
function concretePaths(doc: unknown, pattern: Seg[]): Key[][] {
  if (pattern.length === 0) return [[]];
  const [head, ...rest] = pattern;
  if (head === "*") {
    if (!Array.isArray(doc)) return [];
    return doc.flatMap((v, i) => concretePaths(v, rest).map((p) => [i, ...p]));
  }
  if (typeof doc !== "object" || doc === null || Array.isArray(doc) || !(head! in doc)) return [];
  return concretePaths((doc as Doc)[head!], rest).map((p) => [head!, ...p]);
}

const at = (doc: unknown, p: Key[]): unknown =>
  p.reduce<unknown>((v, k) => (v as Record<Key, unknown>)[k], doc);
const clone = <T>(v: T): T => JSON.parse(JSON.stringify(v)) as T;

const dir = mkdtempSync(path.join(os.tmpdir(), "mw-strict-"));
let n = 0;

const TENANT = "11111111-2222-3333-4444-555555555555";
const APP = "aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee";
const configBase = {
  version: 1,
  tenant: {
    id: TENANT,
    domains: ["contoso.com", "contoso.onmicrosoft.com"],
    organization: "contoso.onmicrosoft.com",
  },
  endpoints: { authorityHost: "https://login.example.com", graphTimeoutMs: 1000 },
  exchange: { enabled: true, retry: { maxRetries: 1 } },
  playbooks: { selected: ["contain-mailbox-exfiltration"] },
  guardrails: { protectedAccounts: ["breakglass@contoso.onmicrosoft.com"] },
  hunting: { target: "defender" },
  run: { source: "hunt" },
  watch: { interval: "5m", alerts: true },
  store: { path: "runs.db" },
  audit: { path: "audit.jsonl" },
  unattended: { enabled: false, minSeverity: "high", cap: { max: 3, window: "1h" } },
};
const recipient = { address: "x@fabrikam.example", name: "X" };
const conditions = { subjectContainsWords: ["a"], from: [recipient], sentTo: [recipient] };
const step = (id: string, cond: Doc) => ({ id, action: "inboxRule.disable", if: cond });
/** One predicate of each kind (a leaf of each comparison, and all / any / not). */
const preds: Doc[] = [
  { path: "severity", equals: "high" },
  { path: "severity", in: ["high"] },
  { path: "hit.links", exists: true },
  { path: "score", atLeast: 70 },
  { path: "linkStrength", atMost: "strong" },
  { all: [{ path: "score", atLeast: 1 }] },
  { any: [{ path: "score", atLeast: 1 }] },
  { not: { path: "score", atLeast: 1 } },
];

interface Subject {
  name: string;
  schema: z.ZodType;
  /** Valid documents that together reach every object node. */
  samples: Doc[];
  /** The issues of loading `doc` the way mailwarden loads it ([] when it is valid). */
  load(doc: Doc): Issue[];
}

const subjects: Subject[] = [
  {
    name: "config",
    schema: configSchema,
    samples: [
      { ...configBase, credential: { type: "clientSecret", clientId: APP, clientSecretEnv: "S" } },
      { ...configBase, credential: { type: "certificate", clientId: APP, certificatePath: "app.pem" } },
      { ...configBase, credential: { type: "managedIdentity", clientId: APP } },
      { ...configBase, credential: { type: "default" } },
      {
        ...configBase,
        credential: { type: "default" },
        notify: {
          on: ["contained"],
          webhook: { url: "https://hooks.example.com/x", secretEnv: "HOOK" },
          teams: {
            teamId: TENANT,
            channelId: "19:abc@thread.tacv2",
            credential: {
              type: "usernamePassword",
              clientId: APP,
              username: "n@contoso.com",
              passwordEnv: "PW",
            },
          },
        },
        console: {
          host: "0.0.0.0",
          tls: { certPath: "console.pem", keyPath: "console-key.pem" },
          approvers: [{ name: "alice", sha256: "0".repeat(64) }],
        },
      },
    ],
    load(doc) {
      const f = path.join(dir, `c${n++}.json`);
      writeFileSync(f, JSON.stringify(doc));
      return loadConfig({ file: f, env: { S: "secret" } }).errors;
    },
  },
  {
    name: "playbook",
    schema: playbookSchema,
    samples: [
      {
        apiVersion: "mailwarden/v1",
        kind: "Playbook",
        metadata: { id: "p", version: 1, description: "d" },
        verify: { attempts: 3, interval: "30s", recheckAfter: "15m" },
        watch: { for: "7d", every: "6h", look: ["rule"] },
        trigger: { targets: ["inboxRule"] },
        steps: [
          step("a", { path: "hit.target.hidden", equals: true }),
          step("b", { path: "hit.severity", in: ["high"] }),
          step("c", { path: "target.ruleIdentity", exists: true }),
          step("d", { path: "hit.score", atLeast: 70 }),
          step("e", { path: "hit.severity", atMost: "medium" }),
          step("f", { all: [{ path: "hit.score", atLeast: 1 }] }),
          step("g", { any: [{ path: "hit.score", atLeast: 1 }] }),
          step("h", { not: { path: "hit.score", atLeast: 1 } }),
          {
            id: "i",
            action: "inboxRule.disable",
            approval: { autoIf: { path: "severity", equals: "high" } },
            timeout: "4h",
            onTimeout: "escalate",
          },
          { id: "j", action: "inboxRule.disable", approval: "manual" },
          ...[
            { path: "severity", in: ["high"] },
            { path: "user.upn", exists: true },
            { path: "score", atLeast: 70 },
            { path: "linkStrength", atMost: "strong" },
            { all: [{ path: "score", atLeast: 1 }] },
            { any: [{ path: "score", atLeast: 1 }] },
            { not: { path: "score", atLeast: 1 } },
          ].map((autoIf, i) => ({ id: `k${i}`, action: "inboxRule.disable", approval: { autoIf } })),
        ],
      },
      // The report section, its comment condition once per kind of predicate.
      ...[
        { path: "contained", equals: true },
        { path: "severity", in: ["high"] },
        { path: "hit.incidentId", exists: true },
        { path: "score", atLeast: 70 },
        { path: "exposureMinutes", atMost: 60 },
        { all: [{ path: "score", atLeast: 1 }] },
        { any: [{ path: "score", atLeast: 1 }] },
        { not: { path: "score", atLeast: 1 } },
      ].map((when) => ({
        apiVersion: "mailwarden/v1",
        kind: "Playbook",
        metadata: { id: "p", version: 1 },
        trigger: { targets: ["inboxRule"] },
        steps: [{ id: "a", action: "inboxRule.disable" }],
        report: { formats: ["md"], incidentComment: { when } },
      })),
      {
        apiVersion: "mailwarden/v1",
        kind: "Playbook",
        metadata: { id: "q", version: 1 },
        trigger: {
          targets: ["inboxRule"],
          categories: ["defenceTampering"],
          minSeverity: "medium",
          sources: ["scan", "hunt-defender"],
        },
        gather: [
          ...preds.map((p, i) => ({ id: `g${i}`, action: "inboxRule.list", if: p })),
          { id: "risk", action: "user.readRisk", description: "d" },
        ],
        assess: {
          rules: [
            ...preds.map((when) => ({ when, add: 10, reason: "r" })),
            ...preds.map((p) => ({ when: { not: p }, add: 1, reason: "n" })),
            { when: { all: preds }, add: 1, reason: "a" },
            { when: { any: preds }, add: 1, reason: "o" },
            { when: { path: "context.risk.riskLevel", equals: "high" }, add: 1, reason: "c" },
          ],
          severity: { medium: 30, high: 60 },
        },
        steps: [
          { id: "a", action: "inboxRule.disable", if: { path: "assess.severity", equals: "high" } },
          ...[{ all: preds }, { any: preds }, ...preds.map((p) => ({ not: p }))].map((autoIf, i) => ({
            id: `z${i}`,
            action: "inboxRule.disable",
            approval: { autoIf },
          })),
        ],
        notify: { on: ["contained", "failed"] },
      },
    ],
    load(doc) {
      try {
        parsePlaybook(JSON.stringify(doc), "p.yaml");
        return [];
      } catch (e) {
        if (e instanceof PlaybookError) return e.issues;
        throw e;
      }
    },
  },
  {
    name: "scenario",
    schema: scenarioSchema,
    samples: [
      {
        tenant: { displayName: "Fabrikam", domains: ["fabrikam.onmicrosoft.com"] },
        users: [
          {
            userPrincipalName: "a@fabrikam.onmicrosoft.com",
            displayName: "A",
            mailbox: {
              folders: [{ displayName: "Kept" }],
              rules: [
                {
                  name: "r",
                  conditions,
                  exceptions: conditions,
                  actions: {
                    forwardTo: [recipient],
                    redirectTo: [recipient],
                    forwardAsAttachmentTo: [recipient],
                  },
                },
              ],
              mobileDevices: [{ deviceId: "D1", firstSyncTime: "2025-06-01T23:00:00Z" }],
              casMailbox: { popEnabled: false, smtpClientAuthenticationDisabled: null },
              automaticReplies: { status: "alwaysEnabled", externalReplyMessage: "away" },
            },
            consents: [{ client: "11111111-1111-4111-8111-111111111111", scope: "Mail.Read" }],
            appRoleAssignments: [
              { resource: "11111111-1111-4111-8111-111111111111", createdDateTime: "2025-06-01T22:20:00Z" },
            ],
            authMethods: [{ type: "fido2", createdDateTime: "2025-06-01T22:30:00Z" }],
          },
        ],
        servicePrincipals: [
          {
            appId: "11111111-1111-4111-8111-111111111111",
            displayName: "Mail Backup Pro",
            appRoles: [{ id: "22222222-2222-4222-8222-222222222222", value: "Mail.Send" }],
          },
        ],
        apps: [{ displayName: "app" }],
        teams: [
          { displayName: "SOC", members: ["a@fabrikam.onmicrosoft.com"], channels: [{ displayName: "c" }] },
        ],
      },
    ],
    load(doc) {
      try {
        parseScenario(doc);
        return [];
      } catch (e) {
        if (e instanceof ScenarioError) return e.issues;
        throw e;
      }
    },
  },
  {
    name: "faults",
    schema: faultsSchema,
    samples: [
      {
        seed: 2,
        rules: [
          { face: "graph", fault: { type: "latency", ms: 1 } },
          { face: "graph", fault: { type: "throttle", retryAfter: 1 } },
          { face: "exchange", match: "Get-InboxRule", fault: { type: "unavailable" } },
          { face: "token", fault: { type: "timeout", ms: 1 } },
          { face: "loganalytics", fault: { type: "drop" } },
        ],
        limits: { hunting: false },
        consistency: { enabled: true },
        behaviour: { dismissClearsDetections: false },
      },
    ],
    load(doc) {
      try {
        parseFaults(doc);
        return [];
      } catch (e) {
        if (e instanceof FaultsError) return e.issues;
        throw e;
      }
    },
  },
];

const UNKNOWN = "zzNotAKey";
const dotted = (p: Key[]) => p.join(".");

describe.each(subjects)("$name schema: strict at every depth", (s) => {
  const nodes = objectNodes(s.schema);

  it("the samples are valid", () => {
    for (const doc of s.samples) expect(s.load(clone(doc))).toEqual([]);
  });

  it("has object nodes to check", () => {
    expect(nodes.length).toBeGreaterThan(3);
  });

  for (const node of nodes) {
    it(`${node.label}: an unknown key is an error at its path; a typo gets "did you mean"`, () => {
      const hit = s.samples
        .flatMap((doc) => concretePaths(doc, node.pattern).map((p) => ({ doc, p })))
        .find(({ doc, p }) => node.schema.safeParse(at(doc, p)).success);
      expect(hit, `no sample reaches ${node.label}: add one`).toBeDefined();
      const { doc, p } = hit!;

      const withUnknown = clone(doc);
      (at(withUnknown, p) as Doc)[UNKNOWN] = 1;
      const issues = s.load(withUnknown);
      expect(issues).toContainEqual({
        path: dotted([...p, UNKNOWN]),
        message: expect.stringMatching(/^unknown key/),
      });
      expect(issues.find((i) => i.path === dotted([...p, UNKNOWN]))!.message).not.toContain("did you mean");

      const keys = Object.keys(defOf(node.schema).shape!);
      const longest = keys.reduce((a, b) => (b.length > a.length ? b : a));
      const typo = `${longest}x`;
      const withTypo = clone(doc);
      (at(withTypo, p) as Doc)[typo] = 1;
      expect(s.load(withTypo)).toContainEqual({
        path: dotted([...p, typo]),
        message: `unknown key; did you mean ${longest}?`,
      });
    });
  }
});

describe("did you mean", () => {
  it("suggests the nearest key within a budget that grows with its length, case ignored", () => {
    const known = ["protectedAccounts", "maxContainmentsPerRun"];
    expect(didYouMean("protectedAcounts", known)).toBe("protectedAccounts");
    expect(didYouMean("ProtectedAccounts", known)).toBe("protectedAccounts");
    expect(didYouMean("enabeld", ["enabled", "pwshPath"])).toBe("enabled");
    expect(didYouMean("tpye", ["type", "clientId"])).toBe("type");
    expect(didYouMean("colour", ["id", "displayName"])).toBeUndefined();
    expect(didYouMean("x", ["id"])).toBeUndefined();
    expect(didYouMean("anything", [])).toBeUndefined();
  });

  it("reports a typo inside a plain union no option takes (a playbook step's `if`) with the union's keys", () => {
    const [sample] = subjects.find((x) => x.name === "playbook")!.samples;
    const doc = clone(sample!) as { steps: { if: Doc }[] };
    doc.steps[0]!.if = { path: "hit.severity", equls: "high" };
    expect(subjects.find((x) => x.name === "playbook")!.load(doc)).toEqual([
      { path: "steps.0.if.equls", message: "unknown key; did you mean equals?" },
    ]);
  });

  it("names the config issues of issue 13 with their paths", () => {
    const config = subjects.find((x) => x.name === "config")!;
    const doc = clone(config.samples[0]!) as Doc & { guardrails: Doc; exchange: Doc; credential: Doc };
    doc.guardrails = { protectedAcounts: ["breakglass@contoso.onmicrosoft.com"] };
    doc.exchange = { enabeld: false };
    doc.credential = { type: "clientSecret", clientId: APP, clientSecretEnvv: "S" };
    expect(config.load(doc)).toEqual([
      { path: "credential.clientSecretEnvv", message: "unknown key; did you mean clientSecretEnv?" },
      { path: "exchange.enabeld", message: "unknown key; did you mean enabled?" },
      { path: "guardrails.protectedAcounts", message: "unknown key; did you mean protectedAccounts?" },
    ]);
  });
});
