/**
 * Error responses of the InvokeCommand endpoint (apis.md B5 [T]). A cmdlet failure is
 * `{"error":{"code","message":"Error executing cmdlet","details":[{"code":"Client","target":"","message":"<ErrorId>|<.NET type>|<text>"}],"innererror":{…}}}`.
 * The not-found id and wording are from live captures [T]; the other error ids, status codes and wordings are [I].
 */
const SERVER = "EMULATED01A001.PROD.OUTLOOK.COM";

export interface CmdletFailure {
  status: 400 | 403 | 404 | 429 | 500;
  code: string;
  errorId: string;
  type: string;
  text: string;
  /** Answer with the bare `{"error":{"code":"BadRequest","message":"Invalid Operation"}}` body instead (B5 [T]). */
  plain?: true;
}

export function notFound(identity: string): CmdletFailure {
  return {
    status: 404,
    code: "NotFound",
    errorId: "Ex6F9304",
    type: "Microsoft.Exchange.Configuration.Tasks.ManagementObjectNotFoundException",
    text: `The operation couldn't be performed because object '${identity}' couldn't be found on '${SERVER}'.`,
  };
}

export function ambiguous(identity: string): CmdletFailure {
  return {
    status: 400,
    code: "BadRequest",
    errorId: "Ex0A1B2C",
    type: "Microsoft.Exchange.Configuration.Tasks.ManagementObjectAmbiguousException",
    text: `The operation couldn't be performed because '${identity}' matches multiple entries.`,
  };
}

export function parameterNotFound(name: string): CmdletFailure {
  return {
    status: 400,
    code: "BadRequest",
    errorId: "Ex2D3E4F",
    type: "System.Management.Automation.ParameterBindingException",
    text: `A parameter cannot be found that matches parameter name '${name}'.`,
  };
}

export function parameterInvalid(name: string, detail: string): CmdletFailure {
  return {
    status: 400,
    code: "BadRequest",
    errorId: "Ex5A6B7C",
    type: "System.Management.Automation.ParameterBindingException",
    text: `Cannot bind parameter '${name}'. ${detail}`,
  };
}

export function parameterMissing(name: string): CmdletFailure {
  return {
    status: 400,
    code: "BadRequest",
    errorId: "Ex8D9E0F",
    type: "System.Management.Automation.ParameterBindingException",
    text: `Cannot process command because of one or more missing mandatory parameters: ${name}.`,
  };
}

/**
 * A Get- cmdlet called without an Identity it needs: the REST endpoint answers 400 "Invalid Operation" (observed
 * for Get-MailboxPermission, apis.md B1 [T]).
 */
export function invalidOperation(): CmdletFailure {
  return {
    status: 400,
    code: "BadRequest",
    errorId: "",
    type: "",
    text: "Invalid Operation",
    plain: true,
  };
}

/** A task-level failure (the cmdlet ran and refused) with Exchange's exception type; wording [I] unless noted. */
export function taskError(type: string, text: string, errorId = "Ex3C4D5E"): CmdletFailure {
  return { status: 400, code: "BadRequest", errorId, type, text };
}

/** Exchange's throttling refusal (apis.md B5 [T] text; status 429 [I]). */
export function concurrencyLimit(): CmdletFailure {
  return {
    status: 429,
    code: "BadRequest",
    errorId: "Ex7F0A1B",
    type: "Microsoft.Exchange.Admin.OData.Core.ThrottlingException",
    text: "You have reached the maximum number of concurrent requests per tenant. Please wait and try again",
  };
}

/** An unexpected exception inside the emulator: B5's InternalServerError variant [T code / I text]. */
export function internalError(): CmdletFailure {
  return {
    status: 500,
    code: "InternalServerError",
    errorId: "Ex0E0F10",
    type: "System.InvalidOperationException",
    text: "An internal error occurred while running the cmdlet.",
  };
}

export function failureBody(f: CmdletFailure): string {
  if (f.plain) return invalidOperationBody();
  return JSON.stringify({
    error: {
      code: f.code,
      message: "Error executing cmdlet",
      details: [{ code: "Client", target: "", message: `${f.errorId}|${f.type}|${f.text}` }],
      innererror: {
        message: "Error executing cmdlet",
        type: "Microsoft.Exchange.Admin.OData.Core.ODataServiceException",
        stacktrace: "",
      },
    },
  });
}

/** A request the endpoint cannot read at all (bad JSON, no CmdletInput): B5's "Invalid Operation" variant [I]. */
export function invalidOperationBody(): string {
  return JSON.stringify({ error: { code: "BadRequest", message: "Invalid Operation" } });
}

/** An unknown cmdlet, or one outside the caller's RBAC: 403 with a run of NUL bytes, not JSON (B5 [T]). */
export const NUL_BODY = new Uint8Array(32);
