/**
 * Shared by the query tests: the generator's tables loaded into the offline engine, and the ASN of every address in
 * them from the generator's own network table (standing in for offline enrichment, the `ipAsn` parameter).
 */
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { generateTenant, type Generated } from "../../../src/emulator/generator/index.js";
import { NETWORKS, inV4 } from "../../../src/emulator/generator/networks.js";
import { normalizeIp } from "../../../src/hunt/enrich/ip.js";
import { storageColumns } from "../../../src/hunt/schema/schema.js";

export const ENGINE_FILE = fileURLToPath(new URL("../../../src/hunt/kql/engine.ts", import.meta.url));
export const engineAvailable = existsSync(ENGINE_FILE);

export interface EngineLike {
  registerRows(
    name: string,
    columns: ReturnType<typeof storageColumns>,
    rows: Record<string, unknown>[],
  ): Promise<unknown>;
  run(query: string, opts?: { now?: Date }): Promise<{ rows: Record<string, unknown>[]; now: string }>;
  close(): void;
}

/** A fresh engine (imported lazily so this file loads while the engine is still being written). */
export async function newEngine(): Promise<EngineLike> {
  const mod = (await import("../../../src/hunt/kql/engine.js")) as {
    KqlEngine: { create(): Promise<EngineLike> };
  };
  return mod.KqlEngine.create();
}

export function generated(): Generated {
  return generateTenant({ scenarios: "all", users: 20, days: 3, seed: 11 });
}

export async function loadTables(engine: EngineLike, tables: Record<string, unknown[]>): Promise<void> {
  for (const [name, rows] of Object.entries(tables))
    await engine.registerRows(name, storageColumns(name), rows as Record<string, unknown>[]);
}

const IP_KEYS = ["ClientIP", "ClientIPAddress", "Client_IPAddress", "IPAddress", "IpAddress"];

function collectIps(v: unknown, out: Set<string>, depth = 0): void {
  if (depth > 3 || v === null || typeof v !== "object") return;
  for (const [k, x] of Object.entries(v as Record<string, unknown>)) {
    if (typeof x === "string" && IP_KEYS.includes(k)) out.add(x);
    else if (typeof x === "object") collectIps(x, out, depth + 1);
  }
}

/** `ipAsn` for every address in the tables whose network the generator knows. */
export function asnOf(tables: Record<string, unknown[]>): { ip: string; asn: number }[] {
  const raw = new Set<string>();
  for (const rows of Object.values(tables)) for (const r of rows) collectIps(r, raw);
  const out = new Map<string, number>();
  for (const s of raw) {
    const n = normalizeIp(s);
    if (!n) continue;
    const net = Object.values(NETWORKS).find((w) =>
      n.version === 4 ? inV4(w, n.ip) : w.v6 !== undefined && n.ip.startsWith(`${w.v6}:`),
    );
    if (net) out.set(n.ip, net.asn);
  }
  return [...out].map(([ip, asn]) => ({ ip, asn }));
}
