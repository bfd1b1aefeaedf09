import { mkdtempSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { loadConfig } from "../../src/config/load.js";

const TENANT = "11111111-2222-3333-4444-555555555555";
const APP = "aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee";

function file(content: unknown, name = "c.json"): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), "mw-cfg-"));
  const f = path.join(dir, name);
  writeFileSync(f, typeof content === "string" ? content : JSON.stringify(content));
  return f;
}

const base = {
  tenant: { id: TENANT, domains: ["Contoso.com", "contoso.onmicrosoft.com"] },
  credential: { type: "clientSecret", clientId: APP, clientSecretEnv: "MY_SECRET" },
};

describe("config v1", () => {
  it("applies defaults, lower-cases domains and derives the Exchange organization", () => {
    const r = loadConfig({ file: file(base), env: { MY_SECRET: "s3cret" } });
    expect(r.errors).toEqual([]);
    expect(r.config!.tenant.domains).toEqual(["contoso.com", "contoso.onmicrosoft.com"]);
    expect(r.config!.tenant.organization).toBe("contoso.onmicrosoft.com");
    expect(r.config!.endpoints.graphBaseUrl).toBe("https://graph.microsoft.com/");
    expect(r.config!.exchange.pwshPath).toBe("pwsh");
    expect(r.config!.credential).toMatchObject({ clientSecret: "s3cret" });
  });

  it("orders sources: defaults < file < env < flags", () => {
    const f = file({ ...base, exchange: { pwshPath: "/from/file" }, store: { path: "file.db" } });
    const r = loadConfig({
      file: f,
      env: { MY_SECRET: "x", MAILWARDEN_PWSH_PATH: "/from/env", MAILWARDEN_STORE: "/env.db" },
      flags: { "store.path": "/flag.db" },
    });
    expect(r.config!.exchange.pwshPath).toBe("/from/env");
    expect(r.config!.store.path).toBe("/flag.db");
    expect(r.sources).toEqual(["defaults", `file:${f}`, "env", "flags"]);
  });

  it("resolves relative paths in a file against the file's folder", () => {
    const f = file({ ...base, store: { path: "runs/x.db" } });
    const r = loadConfig({ file: f, env: { MY_SECRET: "x" } });
    expect(r.config!.store.path).toBe(path.join(path.dirname(f), "runs/x.db"));
  });

  it("reports every error with a dotted path and loses none", () => {
    const r = loadConfig({
      file: file({
        tenant: { id: "not-a-guid", domains: [] },
        credential: { type: "clientSecret", clientId: APP },
        bogus: 1,
      }),
      env: {},
    });
    expect(r.config).toBeUndefined();
    const paths = r.errors.map((e) => e.path);
    expect(paths).toContain("tenant.id");
    expect(paths).toContain("tenant.domains");
    expect(paths).toContain("bogus");
  });

  it("is strict at every depth: a misspelt key is an error at its path with the key it likely means", () => {
    const r = loadConfig({
      file: file({ ...base, guardrails: { protectedAcounts: ["breakglass@contoso.onmicrosoft.com"] } }),
      env: { MY_SECRET: "x" },
    });
    expect(r.config).toBeUndefined();
    expect(r.errors).toEqual([
      { path: "guardrails.protectedAcounts", message: "unknown key; did you mean protectedAccounts?" },
    ]);
  });

  it("ignores, with a warning, a credential variable the configured credential type does not take", () => {
    const cert = { type: "certificate", clientId: APP, certificatePath: "/x/app.pem" };
    const r = loadConfig({
      file: file({ ...base, credential: cert }),
      env: { MAILWARDEN_CLIENT_SECRET: "left-over", MAILWARDEN_CLIENT_ID: APP },
    });
    expect(r.errors).toEqual([]);
    expect(r.config!.credential).toEqual(cert);
    expect(r.warnings).toContainEqual({
      path: "credential.clientSecret",
      message: "MAILWARDEN_CLIENT_SECRET is set but a certificate credential takes no clientSecret: ignored",
    });
    // Without a credential in the file the variables still make one.
    const { credential: _dropped, ...noCred } = base;
    const env = loadConfig({
      file: file(noCred),
      env: { MAILWARDEN_CLIENT_ID: APP, MAILWARDEN_CLIENT_SECRET: "s" },
    });
    expect(env.errors).toEqual([]);
    expect(env.config!.credential).toEqual({ type: "clientSecret", clientId: APP, clientSecret: "s" });
  });

  it("warns about a secret in the file and about missing protected accounts", () => {
    const r = loadConfig({
      file: file({ ...base, credential: { type: "clientSecret", clientId: APP, clientSecret: "inline" } }),
      env: {},
    });
    expect(r.errors).toEqual([]);
    expect(r.warnings.map((w) => w.path)).toEqual(
      expect.arrayContaining(["credential.clientSecret", "guardrails.protectedAccounts"]),
    );
  });

  it("fails clearly when the secret's environment variable is absent", () => {
    const r = loadConfig({ file: file(base), env: {} });
    expect(r.errors).toEqual([
      { path: "credential.clientSecret", message: expect.stringContaining("MY_SECRET") },
    ]);
  });

  it("needs an onmicrosoft domain for Exchange unless Exchange is off", () => {
    const cfg = { ...base, tenant: { id: TENANT, domains: ["contoso.com"] } };
    expect(loadConfig({ file: file(cfg), env: { MY_SECRET: "x" } }).errors[0]!.path).toBe(
      "tenant.organization",
    );
    expect(
      loadConfig({ file: file({ ...cfg, exchange: { enabled: false } }), env: { MY_SECRET: "x" } }).errors,
    ).toEqual([]);
  });

  it("reads YAML and reports a syntax error without throwing", () => {
    const y = file(
      "tenant:\n  id: " + TENANT + "\n  domains: [contoso.onmicrosoft.com]\ncredential: {type: default}\n",
      "c.yaml",
    );
    expect(loadConfig({ file: y, env: {} }).errors).toEqual([]);
    const bad = file("tenant: [unclosed\n", "bad.yaml");
    const r = loadConfig({ file: bad, env: {} });
    expect(r.errors[0]!.path).toBe("(file)");
  });

  it("rejects a non-https authority", () => {
    const r = loadConfig({
      file: file({ ...base, endpoints: { authorityHost: "http://login.example" } }),
      env: { MY_SECRET: "x" },
    });
    expect(r.errors.map((e) => e.path)).toContain("endpoints.authorityHost");
  });
});
