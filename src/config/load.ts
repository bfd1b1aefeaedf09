/**
 * Loads config: defaults < file < environment < flags. Returns errors and warnings with dotted paths instead of
 * throwing, so the CLI can print every problem at once.
 */
import { readFileSync } from "node:fs";
import path from "node:path";
import YAML from "yaml";
import { describeIssues } from "./issues.js";
import { configSchema, credentialSchema, type Config } from "./schema.js";

export interface ConfigIssue {
  path: string;
  message: string;
}

export interface ConfigResult {
  config?: Config;
  errors: ConfigIssue[];
  warnings: ConfigIssue[];
  /** Where each top-level value came from, for `--verbose` diagnostics. */
  sources: string[];
}

type Json = null | boolean | number | string | Json[] | { [k: string]: Json };
type JsonObject = { [k: string]: Json };

const isObject = (v: unknown): v is JsonObject => typeof v === "object" && v !== null && !Array.isArray(v);

/** Deep merge of plain objects; arrays and scalars from `over` replace those in `base`. */
export function deepMerge(base: JsonObject, over: JsonObject): JsonObject {
  const out: JsonObject = { ...base };
  for (const [k, v] of Object.entries(over)) {
    if (v === undefined) continue;
    const b = out[k];
    out[k] = isObject(b) && isObject(v) ? deepMerge(b, v) : v;
  }
  return out;
}

function setPath(target: JsonObject, dotted: string, value: Json): void {
  const keys = dotted.split(".");
  let cur = target;
  for (const k of keys.slice(0, -1)) {
    const next = cur[k];
    if (!isObject(next)) cur[k] = {};
    cur = cur[k] as JsonObject;
  }
  cur[keys[keys.length - 1]!] = value;
}

function getPath(obj: JsonObject, dotted: string): Json | undefined {
  let cur: Json | undefined = obj;
  for (const k of dotted.split(".")) {
    if (!isObject(cur)) return undefined;
    cur = cur[k];
  }
  return cur;
}

/** Environment variables and the config path they set. */
export const ENV_MAP: Record<string, string> = {
  MAILWARDEN_TENANT_ID: "tenant.id",
  MAILWARDEN_CLIENT_ID: "credential.clientId",
  MAILWARDEN_CLIENT_SECRET: "credential.clientSecret",
  MAILWARDEN_CERTIFICATE_PATH: "credential.certificatePath",
  MAILWARDEN_AUTHORITY_HOST: "endpoints.authorityHost",
  MAILWARDEN_GRAPH_BASE_URL: "endpoints.graphBaseUrl",
  MAILWARDEN_EXCHANGE_CONNECTION_URI: "endpoints.exchangeConnectionUri",
  MAILWARDEN_CA_FILE: "endpoints.caFile",
  MAILWARDEN_PWSH_PATH: "exchange.pwshPath",
  MAILWARDEN_STORE: "store.path",
  MAILWARDEN_AUDIT_LOG: "audit.path",
};

/** Config paths holding file system paths: relative values in a config file are relative to that file. */
const PATH_FIELDS = [
  "credential.certificatePath",
  "endpoints.caFile",
  "exchange.scriptPath",
  "store.path",
  "audit.path",
  "console.tls.certPath",
  "console.tls.keyPath",
];

/** The keys a credential of this type takes, or undefined for an unknown type (the schema reports that). */
function credentialKeys(type: Json | undefined): Set<string> | undefined {
  const option = credentialSchema.options.find((o) => o.shape.type.value === type);
  return option ? new Set(Object.keys(option.shape)) : undefined;
}

function parseFile(file: string): { data?: JsonObject; error?: string } {
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch (e) {
    return { error: `cannot read ${file}: ${(e as NodeJS.ErrnoException).code ?? String(e)}` };
  }
  try {
    const data: unknown = file.endsWith(".json") ? JSON.parse(text) : YAML.parse(text);
    if (!isObject(data)) return { error: `${file}: the config must be an object` };
    return { data };
  } catch (e) {
    return { error: `${file}: ${(e as Error).message}` };
  }
}

export interface LoadOptions {
  file?: string;
  env?: NodeJS.ProcessEnv;
  /** Values from command-line flags, as dotted paths. */
  flags?: Record<string, Json | undefined>;
}

export function loadConfig(opts: LoadOptions): ConfigResult {
  const errors: ConfigIssue[] = [];
  const warnings: ConfigIssue[] = [];
  const sources: string[] = ["defaults"];
  let merged: JsonObject = {};

  if (opts.file) {
    const { data, error } = parseFile(opts.file);
    if (error) return { errors: [{ path: "(file)", message: error }], warnings, sources };
    const dir = path.dirname(path.resolve(opts.file));
    for (const f of PATH_FIELDS) {
      const v = getPath(data!, f);
      if (typeof v === "string" && !path.isAbsolute(v)) setPath(data!, f, path.resolve(dir, v));
    }
    if (typeof getPath(data!, "credential.clientSecret") === "string") {
      warnings.push({
        path: "credential.clientSecret",
        message:
          "a client secret is stored in the config file; prefer credential.clientSecretEnv or MAILWARDEN_CLIENT_SECRET",
      });
    }
    merged = deepMerge(merged, data!);
    sources.push(`file:${opts.file}`);
  }

  const env = opts.env ?? {};
  const fromEnv: JsonObject = {};
  for (const [name, p] of Object.entries(ENV_MAP)) {
    const v = env[name];
    if (v !== undefined && v !== "") setPath(fromEnv, p, v);
  }
  const envCred = fromEnv.credential;
  if (isObject(envCred)) {
    const fileCred = merged.credential;
    if (!isObject(fileCred))
      envCred.type = typeof envCred.certificatePath === "string" ? "certificate" : "clientSecret";
    // A variable the configured credential type does not take (MAILWARDEN_CLIENT_SECRET left set beside a
    // certificate credential) is ignored with a warning: the credential object is strict.
    const type = isObject(fileCred) ? fileCred.type : envCred.type;
    const takes = credentialKeys(type);
    if (takes && typeof type === "string") {
      for (const [name, p] of Object.entries(ENV_MAP)) {
        const key = p.split(".")[1]!;
        if (!p.startsWith("credential.") || !(key in envCred) || takes.has(key)) continue;
        delete envCred[key];
        warnings.push({
          path: p,
          message: `${name} is set but a ${type} credential takes no ${key}: ignored`,
        });
      }
    }
    if (Object.keys(envCred).length === 0) delete fromEnv.credential;
  }
  if (Object.keys(fromEnv).length > 0) {
    merged = deepMerge(merged, fromEnv);
    sources.push("env");
  }

  const fromFlags: JsonObject = {};
  for (const [p, v] of Object.entries(opts.flags ?? {})) if (v !== undefined) setPath(fromFlags, p, v);
  if (Object.keys(fromFlags).length > 0) {
    merged = deepMerge(merged, fromFlags);
    sources.push("flags");
  }

  const parsed = configSchema.safeParse(merged);
  if (!parsed.success) {
    errors.push(...describeIssues(configSchema, merged, parsed.error));
    return { errors, warnings, sources };
  }
  const config = parsed.data;

  // Semantic checks the schema cannot express.
  const cred = config.credential;
  if (cred.type === "clientSecret" && !cred.clientSecret) {
    const envName = cred.clientSecretEnv;
    const v = envName ? env[envName] : undefined;
    if (v) cred.clientSecret = v;
    else
      errors.push({
        path: "credential.clientSecret",
        message: envName
          ? `environment variable ${envName} (credential.clientSecretEnv) is not set`
          : "set MAILWARDEN_CLIENT_SECRET, credential.clientSecretEnv or credential.clientSecret",
      });
  }
  if (!config.tenant.organization) {
    const onms = config.tenant.domains.find((d) => d.endsWith(".onmicrosoft.com"));
    if (onms) config.tenant.organization = onms;
    else if (config.exchange.enabled)
      errors.push({
        path: "tenant.organization",
        message:
          "Exchange Online needs the tenant's *.onmicrosoft.com domain: add it to tenant.domains or set tenant.organization",
      });
  }
  if (!config.exchange.enabled) {
    warnings.push({
      path: "exchange.enabled",
      message:
        "Exchange Online is off: mailbox forwarding and hidden inbox rules cannot be seen or contained",
    });
  }
  if (config.guardrails.protectedAccounts.length === 0) {
    warnings.push({
      path: "guardrails.protectedAccounts",
      message: "no protected accounts: list break-glass and other never-touch-unattended accounts",
    });
  }
  return errors.length ? { errors, warnings, sources } : { config, errors, warnings, sources };
}
