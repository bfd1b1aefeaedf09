/**
 * `mailwarden console`: the web console for responders (src/console, docs/console.md) on 127.0.0.1 unless the
 * config names a host with TLS. `mailwarden console hash-token`: a token and the hash the config keeps of it.
 */
import type { Command } from "commander";
import type { Config } from "../../config/schema.js";
import { requireConfig } from "../common.js";
import type { OpenDecisions } from "../decisions.js";
import { UsageError } from "../errors.js";
import { status, termSafe, writeOut } from "../output.js";
import { shutdownSignal } from "../shutdown.js";
import { openStore } from "./store.js";

function parsePort(v: string | undefined): number | undefined {
  if (v === undefined) return undefined;
  const n = Number(v);
  if (!Number.isInteger(n) || n < 0 || n > 65_535) throw new UsageError(`--port ${v}: a port number 0-65535`);
  return n;
}

async function serveConsole(config: Config, port: number | undefined): Promise<void> {
  const { startConsole } = await import("../../console/server.js");
  const { hashToken, newToken } = await import("../../console/auth.js");
  const { openDecisions } = await import("../decisions.js");
  const store = openStore(config);
  const operatorToken = newToken();
  let opened: Promise<OpenDecisions> | undefined;
  const running = await startConsole({
    store,
    console: config.console,
    ...(port !== undefined ? { port } : {}),
    holders: [
      { name: "console-operator", sha256: hashToken(operatorToken), operator: true },
      ...config.console.approvers,
    ],
    // Opened on the first decision; a failure (say, the credential) is reported and tried again next time.
    decideEnv: async () =>
      (
        await (opened ??= openDecisions(config, store).catch((e: unknown) => {
          opened = undefined;
          throw e;
        }))
      ).env,
  });
  status(`console listening on ${running.url} (Ctrl-C stops it)`);
  status(`operator token for this start, shown once: ${operatorToken}`);
  if (config.console.approvers.length)
    status(`named approvers: ${config.console.approvers.map((a) => termSafe(a.name, 60)).join(", ")}`);
  await new Promise<void>((resolve) => {
    if (shutdownSignal.aborted) return resolve();
    shutdownSignal.addEventListener("abort", () => resolve(), { once: true });
  });
  try {
    await running.close();
    // A decision in progress sees the same shutdown signal: its run stops within one step.
    await running.settled();
    if (opened) await (await opened).close();
  } finally {
    store.close();
  }
}

export function registerConsole(program: Command): void {
  const con = program
    .command("console")
    .description(
      "web console for responders: the approval queue, evidence, plans, approve / reject per step",
    );

  con
    .command("start", { isDefault: true })
    .description(
      "serve the console (127.0.0.1 unless console.host and console.tls are configured); prints a per-start operator token",
    )
    .requiredOption("-c, --config <file>", "config file")
    .option("--port <port>", "listen on this port instead of console.port (0: a free one)")
    .action(async (o: { config: string; port?: string }) => {
      const port = parsePort(o.port);
      await serveConsole(requireConfig(o.config), port);
    });

  con
    .command("hash-token")
    .description(
      "make a named approver's token: prints the config entry (name and sha256) on stdout, a new token on stderr",
    )
    .requiredOption("--name <name>", "the approver's name (an approval's `by` in the journal)")
    .option("--stdin", "hash a token read from stdin instead of making a new one")
    .action(async (o: { name: string; stdin?: boolean }) => {
      const { hashToken, newToken } = await import("../../console/auth.js");
      let token: string;
      if (!o.stdin) {
        token = newToken();
        status(`token for ${termSafe(o.name, 60)} (give it to them; it is not stored): ${token}`);
      } else {
        const chunks: Buffer[] = [];
        for await (const c of process.stdin) chunks.push(c as Buffer);
        token = Buffer.concat(chunks).toString("utf8").trim();
        if (token.length < 16) throw new UsageError("the token on stdin is shorter than 16 characters");
      }
      writeOut(JSON.stringify({ name: o.name, sha256: hashToken(token) }));
    });
}
