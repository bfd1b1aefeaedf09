/**
 * The bridge protocol as scripts/exo-bridge.ps1 speaks it, answered by the stand-in: the same request checks in the
 * same order with the same messages, Connect-ExchangeOnline's parameter rules, then the module's behaviour for each
 * cmdlet (client-side prompts, the REST call, the script's projection).
 */
import { CONNECT_PARAMETERS, EXO_CMDLETS } from "../../adapters/exo/allowlist.js";
import type { BridgeError } from "../../adapters/exo/protocol.js";
import { checkInvocation } from "../../adapters/exo/validate.js";
import { project } from "./project.js";
import { promptRefusal } from "./prompts.js";
import { restParameters } from "./rest-parameters.js";
import { invokeCommand, type Connection } from "./rest-client.js";

export interface SessionOptions {
  /** Emulated cost of Connect-ExchangeOnline, ms (MAILWARDEN_STANDIN_CONNECT_MS). */
  connectDelayMs: number;
  /** Emulated cost of each cmdlet before its REST call, ms (MAILWARDEN_STANDIN_CMDLET_MS). */
  cmdletDelayMs: number;
}

const DEFAULT_CONNECTION_URI = "https://outlook.office365.com/powershell-liveid/";

class BridgeFailure extends Error {
  constructor(readonly error: BridgeError) {
    super(error.message);
  }
}

const argumentError = (message: string): BridgeFailure =>
  new BridgeFailure({ category: "InvalidParameter", type: "System.ArgumentException", message });

const isObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === "object" && v !== null && !Array.isArray(v);

const sleep = (ms: number): Promise<void> =>
  ms > 0 ? new Promise((r) => setTimeout(r, ms)) : Promise.resolve();

export class StandinSession {
  private connection: Connection | null = null;

  constructor(private readonly opts: SessionOptions) {}

  /** Handles one request line; returns the response line. */
  async handle(line: string): Promise<string> {
    let id: string | null = null;
    try {
      let request: unknown;
      try {
        request = JSON.parse(line);
      } catch (e) {
        throw argumentError(
          `Conversion from JSON failed with error: ${e instanceof Error ? e.message : "invalid JSON"}`,
        );
      }
      if (!isObject(request)) throw argumentError("A request must be a JSON object.");
      const rid = request["id"];
      if (typeof rid !== "string" || rid.length === 0)
        throw argumentError("A request needs a non-empty string id.");
      id = rid;
      const result = await this.dispatch(request);
      return JSON.stringify({ id, ok: true, result });
    } catch (e) {
      const error: BridgeError =
        e instanceof BridgeFailure
          ? e.error
          : {
              category: "Failed",
              type: "System.Exception",
              message: e instanceof Error ? e.message : String(e),
            };
      return JSON.stringify({ id, ok: false, error });
    }
  }

  private async dispatch(request: Record<string, unknown>): Promise<unknown> {
    switch (request["op"]) {
      case "connect":
        return this.connect(request["params"]);
      case "invoke":
        return this.invoke(request["cmdlet"], request["params"]);
      case "ping":
        return { pong: true, connected: this.connection !== null };
      case "disconnect":
        this.connection = null;
        return { connected: false };
      default:
        throw argumentError("Unknown op.");
    }
  }

  private async connect(params: unknown): Promise<unknown> {
    if (!isObject(params)) throw argumentError("params must be a JSON object.");
    const values: Record<string, string> = {};
    for (const [name, value] of Object.entries(params)) {
      if (!(CONNECT_PARAMETERS as readonly string[]).includes(name))
        throw argumentError(`Connect parameter '${name}' is not allowed.`);
      if (value === null) continue;
      if (typeof value !== "string" || value.length === 0)
        throw argumentError(`Connect parameter '${name}' must be a non-empty string.`);
      values[name] = value;
    }
    for (const required of ["AppId", "Organization"]) {
      if (values[required] === undefined) throw argumentError(`Connect parameter '${required}' is required.`);
    }
    const token = values["AccessToken"];
    if (token === undefined && values["CertificateFilePath"] === undefined)
      throw argumentError("AccessToken or CertificateFilePath is required.");
    this.connection = null;
    await sleep(this.opts.connectDelayMs);
    if (token === undefined) {
      throw new BridgeFailure({
        category: "Unsupported",
        type: "System.NotSupportedException",
        message:
          "The mailwarden pwsh stand-in connects with -AccessToken only; certificate sign-in runs only in real PowerShell.",
      });
    }
    const uri = values["ConnectionUri"] ?? DEFAULT_CONNECTION_URI;
    try {
      new URL(uri);
    } catch {
      throw new BridgeFailure({
        category: "Failed",
        type: "System.UriFormatException",
        message: "Invalid URI: The format of the URI could not be determined.",
      });
    }
    this.connection = { accessToken: token, organization: values["Organization"] ?? "", connectionUri: uri };
    return { connected: true };
  }

  private async invoke(cmdlet: unknown, params: unknown): Promise<unknown> {
    const conn = this.connection;
    if (!conn) {
      throw new BridgeFailure({
        category: "NotConnected",
        type: "System.InvalidOperationException",
        message: "NotConnected: send a connect request first.",
      });
    }
    if (typeof cmdlet !== "string" || !Object.prototype.hasOwnProperty.call(EXO_CMDLETS, cmdlet)) {
      throw new BridgeFailure({
        category: "Unsupported",
        type: "System.NotSupportedException",
        message: "The cmdlet is not on the bridge allow-list.",
      });
    }
    if (params !== null && params !== undefined && !isObject(params))
      throw argumentError("params must be a JSON object.");
    const checked = checkInvocation(cmdlet, params ?? {});
    if (!checked.ok) throw new BridgeFailure(checked.error);

    const refusal = await promptRefusal(conn, checked.cmdlet, checked.params);
    if (refusal) throw new BridgeFailure(refusal);
    await sleep(this.opts.cmdletDelayMs);

    const outcome = await invokeCommand(conn, checked.cmdlet, restParameters(checked.cmdlet, checked.params));
    if (!outcome.ok) throw new BridgeFailure(outcome.error);
    return project(EXO_CMDLETS[checked.cmdlet].projection, outcome.value);
  }
}
