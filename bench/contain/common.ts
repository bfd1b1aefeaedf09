/** Shared by the containment benchmarks: emulated latencies, request labels, machine facts, result files. */
import { execSync } from "node:child_process";
import { mkdirSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import type { RequestLogEntry } from "../../src/emulator/context.js";

export interface Latencies {
  token: number;
  graph: number;
  exchange: number;
}

/** A faults file that holds every request of a face for its latency (the service limits stay on). */
export function latencyFaults(dir: string, l: Latencies): string {
  const file = path.join(dir, "latency-faults.json");
  const rule = (face: string, ms: number) => ({ face, match: "*", fault: { type: "latency", ms } });
  writeFileSync(
    file,
    JSON.stringify({
      rules: [
        ...(l.token ? [rule("token", l.token)] : []),
        ...(l.graph ? [rule("graph", l.graph)] : []),
        ...(l.exchange ? [rule("exchange", l.exchange)] : []),
      ],
    }),
  );
  return file;
}

/** A request's label: `GET graph /users/{id}/mailFolders/inbox/messageRules/{id}`, `exchange Set-Mailbox`. */
export function label(r: RequestLogEntry): string {
  if (r.face === "exchange") return `exchange ${(r.operation ?? r.path).split(" ")[0]}`;
  const p = r.path
    .split("?")[0]!
    .replace(/^\/(v1\.0|beta)/, "")
    .replace(/^\/users\/[^/]+/, "/users/{id}")
    .replace(/\/(messageRules|mailFolders|riskyUsers)\/(?!inbox\b)[^/]+/g, "/$1/{id}");
  return `${r.method} ${r.face} ${p}`;
}

export function countBy<T>(xs: T[], f: (x: T) => string): Record<string, number> {
  const out: Record<string, number> = {};
  for (const x of xs) out[f(x)] = (out[f(x)] ?? 0) + 1;
  return out;
}

export function machine() {
  return {
    cpu: os.cpus()[0]?.model,
    cores: os.cpus().length,
    memGiB: Math.round(os.totalmem() / 2 ** 30),
    node: process.version,
    loadAverage: os.loadavg().map((x) => Math.round(x * 100) / 100),
  };
}

export function gitFacts() {
  try {
    return {
      commit: execSync("git rev-parse --short HEAD").toString().trim(),
      uncommittedFiles: execSync("git status --porcelain src bench").toString().split("\n").filter(Boolean)
        .length,
    };
  } catch {
    return { commit: "unknown", uncommittedFiles: 0 };
  }
}

export function writeResult(name: string, result: { date: string }): string {
  const file = `bench/results/${name}-${result.date.slice(0, 10)}.json`;
  mkdirSync("bench/results", { recursive: true });
  writeFileSync(file, `${JSON.stringify(result, null, 2)}\n`);
  process.stderr.write(`${JSON.stringify(result, null, 2)}\n`);
  return file;
}
