/**
 * The Exchange face on a bare Hono app over the default scenario's tenant state, with the emulator's own token
 * issuer for bearer tokens. Tests the face alone; end-to-end tests go through startEmulator.
 */
import { Hono } from "hono";
import { buildTenant } from "../../../src/emulator/buildTenant.js";
import { createClock } from "../../../src/emulator/clock.js";
import type { EmulatorContext, EmulatorEnv } from "../../../src/emulator/context.js";
import { registerExchangeFace } from "../../../src/emulator/exchange/face.js";
import type { ExchangeFaceOptions } from "../../../src/emulator/exchange/options.js";
import { createIdSource } from "../../../src/emulator/ids.js";
import { parseScenario } from "../../../src/emulator/scenario.js";
import { defaultScenario } from "../../../src/emulator/scenarios/default.js";
import type { AppRegistrationState, MailboxState, TenantState } from "../../../src/emulator/state.js";
import { createTokenIssuer, type TokenIssuer } from "../../../src/emulator/tokenIssuer.js";

/** Parsed response bodies: assertions walk arbitrary JSON. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- test-only alias for JSON read by assertions
export type Json = any;

export interface FaceFixture {
  state: TenantState;
  app: AppRegistrationState;
  issuer: TokenIssuer;
  /** Status, raw body, content-type and whether the request was marked as a write. */
  invoke(
    cmdlet: string,
    parameters: Record<string, unknown>,
    opts?: { token?: string | null; tenant?: string; rawBody?: string },
  ): Promise<{
    status: number;
    text: string;
    bytes: Uint8Array;
    contentType: string | null;
    write: boolean;
    json(): Json;
  }>;
  token(): Promise<string>;
  mailbox(upn: string): MailboxState;
}

const scenario = parseScenario(defaultScenario, "default");
const freshTenant = (): TenantState => buildTenant(scenario, createIdSource(scenario.seed ?? 1));
/** Key generation is slow: one issuer per test file, over one state object whose contents each fixture resets. */
let shared: Promise<{ state: TenantState; issuer: TokenIssuer }> | undefined;

export async function faceFixture(options: Partial<ExchangeFaceOptions> = {}): Promise<FaceFixture> {
  shared ??= (async () => {
    const state = freshTenant();
    return { state, issuer: await createTokenIssuer(state) };
  })();
  const { state, issuer } = await shared;
  Object.assign(state, freshTenant());
  const ctx: EmulatorContext = {
    state,
    clock: createClock(new Date(scenario.startTime)),
    ids: createIdSource(7),
    verifyBearer: (auth, audience) => issuer.verifyBearer(auth, audience),
  };
  let lastWrite = false;
  const hono = new Hono<EmulatorEnv>();
  hono.use("*", async (c, next) => {
    c.set("write", false);
    await next();
    lastWrite = c.get("write");
  });
  registerExchangeFace(hono, ctx, options);
  const app = state.apps[0]!;
  const token = () => issuer.mint(app, "exchange", "secret");
  return {
    state,
    app,
    issuer,
    token,
    mailbox(upn) {
      const user = state.users.find((u) => u.userPrincipalName.toLowerCase() === upn.toLowerCase());
      const mb = state.mailboxes.find((m) => m.userId === user?.id);
      if (!mb) throw new Error(`no mailbox ${upn}`);
      return mb;
    },
    async invoke(cmdlet, parameters, opts = {}) {
      const bearer = opts.token === undefined ? await token() : opts.token;
      const res = await hono.request(
        `https://127.0.0.1/adminapi/beta/${opts.tenant ?? state.tenantId}/InvokeCommand`,
        {
          method: "POST",
          headers: {
            "Content-Type": "application/json",
            ...(bearer === null ? {} : { Authorization: `Bearer ${bearer}` }),
          },
          body:
            opts.rawBody ?? JSON.stringify({ CmdletInput: { CmdletName: cmdlet, Parameters: parameters } }),
        },
      );
      const bytes = new Uint8Array(await res.arrayBuffer());
      const text = new TextDecoder().decode(bytes);
      return {
        status: res.status,
        text,
        bytes,
        contentType: res.headers.get("content-type"),
        write: lastWrite,
        json: (): Json => JSON.parse(text),
      };
    },
  };
}
