/**
 * The shipped queries: the seed verbatim, both mailwarden queries valid for Kusto.Language (Microsoft's parser and
 * analyser) with default and hostile parameters, and parameters that reach the query only as literals of the `let`
 * prelude. Kusto.Language is slow to warm up (several seconds per large query), hence the generous timeouts.
 */
import { existsSync, readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { formatDiagnostic, validateKql } from "../../../src/hunt/kql/validate.js";
import {
  buildQuery,
  defaultHuntParams,
  paramPrelude,
  queryFile,
  type HuntParams,
} from "../../../src/hunt/queries/index.js";
import {
  kqlPrefixPattern,
  kqlString,
  kqlTimespan,
  parseKqlString,
} from "../../../src/hunt/queries/literals.js";
import { engineAvailable, newEngine } from "./fixture.js";
import { parseQuery } from "./kusto-tree.js";

const SEED_REF = fileURLToPath(new URL("../../../../shared/reference/seed-query.kql", import.meta.url));
const SLOW = { timeout: 240_000 };

const HOSTILE = [
  'evil"; drop table x; //',
  "back\\slash\\",
  "line\nbreak\r\n",
  "tab\tand\u0000nul\u0001",
  "' or 1==1 | where true //",
  '" | take 1 | extend a = "',
  "}{)(][",
  "é ü ß 削除済み 😈",
  "\u2028\u2029\u202e rtl",
  "@'verbatim'",
  'h@"x"',
];

const hostileParams = (): Partial<HuntParams> => ({
  tenantDomains: HOSTILE,
  allowForwardAddresses: HOSTILE,
  allowForwardDomains: HOSTILE.slice(0, 3),
  ipAsn: [{ ip: HOSTILE[0]!, asn: 8075 }],
  lists: { ...defaultHuntParams().lists, hidingFolders: HOSTILE, securityKeywords: HOSTILE },
});

const errorsOf = (text: string) => validateKql(text).errors.map(formatDiagnostic);

describe("seed query", () => {
  it.skipIf(!existsSync(SEED_REF))("is the reference seed byte for byte", () => {
    expect(readFileSync(SEED_REF)).toEqual(
      readFileSync(new URL("../../../src/hunt/queries/seed.kql", import.meta.url)),
    );
  });
  it("is what the seed profile prints, and validates", SLOW, () => {
    const q = buildQuery({ target: "defender", profile: "seed" });
    expect(q).toBe(queryFile("seed"));
    expect(errorsOf(q)).toEqual([]);
  });
  it("exists for Defender only and takes no parameters", () => {
    expect(() => buildQuery({ target: "sentinel", profile: "seed" })).toThrow(/Defender/);
    expect(() => buildQuery({ target: "defender", profile: "seed", params: { lookback: "1d" } })).toThrow(
      /no parameters/,
    );
  });
});

describe.each(["defender", "sentinel"] as const)("%s query", (target) => {
  it("validates with default parameters", SLOW, () => {
    expect(errorsOf(buildQuery({ target }))).toEqual([]);
  });
  it("has a body that no parameter value changes", () => {
    const body = `${queryFile(target)}\n${queryFile("core")}`;
    for (const params of [{}, hostileParams()]) {
      const q = buildQuery({ target, params });
      expect(q.endsWith(body)).toBe(true);
      expect(q.slice(0, q.length - body.length)).toContain(
        paramPrelude({ ...defaultHuntParams(), ...params }),
      );
    }
  });
});

describe("hostile parameter values", () => {
  it("validate, and every hostile value is a literal inside its own let", SLOW, () => {
    const q = buildQuery({ target: "defender", params: hostileParams() });
    const parsed = parseQuery(q);
    expect(parsed.diagnostics.filter((d) => d.severity === "Error").map(formatDiagnostic)).toEqual([]);
    const byName = new Map(parsed.lets.map((l) => [l.name, l]));
    // Kusto decodes each list back to exactly what was given (lower-cased where the parameter is a domain).
    expect(byName.get("hidingFolders")?.values).toEqual(HOSTILE);
    expect(byName.get("securityKeywords")?.values).toEqual(HOSTILE);
    expect(byName.get("tenantDomains")?.values).toEqual(HOSTILE.map((s) => s.trim().toLowerCase()));
    expect(byName.get("ipAsn")?.values).toEqual([HOSTILE[0]!.trim().toLowerCase(), 8075]);
    // No hostile text anywhere else: each literal holding one sits in a parameter let.
    const params = new Set(Object.keys(defaultHuntParams()).concat(Object.keys(defaultHuntParams().lists)));
    params.add("ipWindowBefore").add("ipWindowAfter");
    const hostileSet = new Set(HOSTILE.flatMap((s) => [s, s.trim().toLowerCase()]));
    const found = parsed.stringLiterals.filter((l) => hostileSet.has(l.value));
    expect(found.length).toBeGreaterThan(0);
    for (const l of found) expect(params.has(l.inLet ?? "")).toBe(true);
  });
  it("are refused when they are not what the parameter takes", () => {
    expect(() => buildQuery({ target: "defender", params: { lookback: "30d | take 1" } })).toThrow(
      RangeError,
    );
    expect(() => buildQuery({ target: "defender", params: { riskThreshold: 101 } })).toThrow(RangeError);
    expect(() => buildQuery({ target: "defender", params: { riskThreshold: 0.5 } })).toThrow(RangeError);
    expect(() => buildQuery({ target: "defender", params: { maxRows: 100_001 } })).toThrow(RangeError);
    expect(() => buildQuery({ target: "defender", params: { ipAsn: [{ ip: "1.2.3.4", asn: -1 }] } })).toThrow(
      RangeError,
    );
    expect(() =>
      buildQuery({ target: "defender", params: { ipTimeWindow: { before: "1h;", after: "1h" } } }),
    ).toThrow(RangeError);
  });
});

describe("KQL literals", () => {
  it("escape so that Kusto decodes the original string", SLOW, () => {
    const samples = [...HOSTILE, "", "plain", '\\\\\\"', "\u007f\u0085\u009f", "x".repeat(300)];
    const text = `${samples.map((s, i) => `let v${i} = ${kqlString(s)};`).join("\n")}\nprint 1`;
    const parsed = parseQuery(text);
    expect(parsed.diagnostics.filter((d) => d.severity === "Error")).toEqual([]);
    expect(parsed.lets.map((l) => l.values[0])).toEqual(samples);
    for (const s of samples) expect(parseKqlString(kqlString(s))).toBe(s);
  });
  it("never put a raw line break or unescaped quote in a literal", () => {
    for (const s of HOSTILE) {
      const lit = kqlString(s);
      expect(lit).not.toMatch(/[\n\r\u2028\u2029]/);
      expect(lit.slice(1, -1)).not.toMatch(/(^|[^\\])(\\\\)*"/);
    }
  });
  it("accept only plain timespans", () => {
    expect(kqlTimespan("30d")).toBe("30d");
    expect(kqlTimespan("90m")).toBe("90m");
    for (const bad of ["", "30", "1.5h", "30d)", "-1d", "1 d"])
      expect(() => kqlTimespan(bad)).toThrow(RangeError);
  });
  it.runIf(engineAvailable)(
    "match prefixes literally and case-insensitively in one pattern; no prefix matches nothing",
    async () => {
      const engine = await newEngine();
      try {
        const names = ["a.b rule", "axb rule", "X(Y] z", "x(y", "zz a.b", "", "HOSTILE|"];
        const match = async (prefixes: string[]) =>
          (
            await engine.run(
              `let p = ${kqlPrefixPattern(prefixes)};\n` +
                `datatable(n: string)[${names.map(kqlString).join(", ")}] | extend m = n matches regex p`,
            )
          ).rows.map((r) => [r.n, r.m]);
        expect(await match(["a.b", "x(y]", "", "hostile|"])).toEqual([
          ["a.b rule", true],
          ["axb rule", false],
          ["X(Y] z", true],
          ["x(y", false],
          ["zz a.b", false],
          ["", false],
          ["HOSTILE|", true],
        ]);
        expect((await match([])).every(([, m]) => m === false)).toBe(true);
      } finally {
        engine.close();
      }
    },
  );
});
