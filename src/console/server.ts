/**
 * Starts the console: one HTTP server on loopback (default 127.0.0.1), or HTTPS on any host when the config names
 * TLS files (a non-loopback host without TLS is a config error). The Host header check answers to the loopback
 * names with the bound port, the bound host itself, and `console.allowedHosts`.
 */
import { readFileSync } from "node:fs";
import { createServer as createHttpsServer } from "node:https";
import type { AddressInfo } from "node:net";
import { serve } from "@hono/node-server";
import { isLoopbackHost, type Config } from "../config/schema.js";
import { allowedHostValues, type TokenHolder } from "./auth.js";
import { createConsoleApp, type ConsoleAppOptions } from "./app.js";

export interface StartConsoleOptions extends Omit<
  ConsoleAppOptions,
  "allowedHosts" | "secure" | "sessionMinutes"
> {
  console: Config["console"];
  /** Overrides console.port (the CLI's --port). */
  port?: number;
}

export interface RunningConsole {
  url: string;
  port: number;
  host: string;
  /** Decisions still being carried out. */
  pending(): number;
  /** Resolves when no decision is being carried out. */
  settled(): Promise<void>;
  close(): Promise<void>;
}

const urlHost = (h: string) => (h.includes(":") && !h.startsWith("[") ? `[${h}]` : h);

export async function startConsole(o: StartConsoleOptions): Promise<RunningConsole> {
  const cfg = o.console;
  if (!isLoopbackHost(cfg.host) && !cfg.tls)
    throw new Error(`console.host ${cfg.host} is not loopback: binding it needs console.tls`);
  let allowed = new Set<string>();
  const { app, pending, settled } = createConsoleApp({
    store: o.store,
    decideEnv: o.decideEnv,
    holders: o.holders,
    sessionMinutes: cfg.sessionMinutes,
    allowedHosts: () => allowed,
    secure: Boolean(cfg.tls),
  });
  const server = cfg.tls
    ? serve({
        fetch: app.fetch,
        port: o.port ?? cfg.port,
        hostname: cfg.host,
        createServer: createHttpsServer,
        serverOptions: { cert: readFileSync(cfg.tls.certPath), key: readFileSync(cfg.tls.keyPath) },
      })
    : serve({ fetch: app.fetch, port: o.port ?? cfg.port, hostname: cfg.host });
  await new Promise<void>((resolve, reject) => {
    if (server.listening) return resolve();
    server.once("listening", resolve);
    server.once("error", reject);
  });
  const { port } = server.address() as AddressInfo;
  allowed = allowedHostValues(port, cfg.allowedHosts);
  allowed.add(`${urlHost(cfg.host).toLowerCase()}:${port}`);
  const url = `${cfg.tls ? "https" : "http"}://${urlHost(cfg.host)}:${port}/`;
  return {
    url,
    port,
    host: cfg.host,
    pending,
    settled,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        (server as { closeAllConnections?: () => void }).closeAllConnections?.();
      }),
  };
}

export type { TokenHolder };
