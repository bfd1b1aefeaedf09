/**
 * The line protocol between Node and scripts/exo-bridge.ps1 (version 1). One JSON object per line each way.
 *
 *   pwsh → node   {"ready":true,"protocol":1}                                   once, at start
 *   node → pwsh   {"id":"…","op":"connect","params":{AppId,Organization,AccessToken?,…}}
 *                 {"id":"…","op":"invoke","cmdlet":"Get-InboxRule","params":{…}}
 *                 {"id":"…","op":"ping"} | {"id":"…","op":"disconnect"}
 *   pwsh → node   {"id":"…","ok":true,"result":…} | {"id":"…","ok":false,"error":{category,type,message}}
 *
 * `invoke` results are always arrays (projected objects for Get- cmdlets, `[]` otherwise). A response to a line that
 * could not be read as a request carries `"id":null`.
 */
import { z } from "zod";
import { CONNECT_PARAMETERS } from "./allowlist.js";
import { ERROR_CATEGORIES } from "./categories.js";

export const PROTOCOL_VERSION = 1;

export const ReadyLineSchema = z.object({ ready: z.literal(true), protocol: z.number().int() });
export type ReadyLine = z.infer<typeof ReadyLineSchema>;

const optionalText = z.string().min(1).optional();

export const ConnectParamsSchema = z
  .object({
    AppId: z.string().min(1),
    Organization: z.string().min(1),
    AccessToken: optionalText,
    CertificateFilePath: optionalText,
    CertificatePassword: optionalText,
    ConnectionUri: optionalText,
    AzureADAuthorizationEndpointUri: optionalText,
  })
  .strict()
  .refine((p) => p.AccessToken !== undefined || p.CertificateFilePath !== undefined, {
    message: "AccessToken or CertificateFilePath is required",
  });
export type ConnectParams = z.infer<typeof ConnectParamsSchema>;

// Compile-time check: the schema's keys and the allow-list's CONNECT_PARAMETERS are the same set.
type ConnectKey = (typeof CONNECT_PARAMETERS)[number];
const _connectKeysMatch: [keyof ConnectParams] extends [ConnectKey]
  ? [ConnectKey] extends [keyof ConnectParams]
    ? true
    : never
  : never = true;
void _connectKeysMatch;

/** `{add, remove}`: an edit of a multi-valued property, turned into `@{Add=…; Remove=…}` by the script. */
export const ListEditSchema = z
  .object({ add: z.array(z.string()).optional(), remove: z.array(z.string()).optional() })
  .strict();
export type ListEdit = z.infer<typeof ListEditSchema>;

export const ParameterValueSchema = z.union([
  z.string(),
  z.boolean(),
  z.number(),
  z.null(),
  z.array(z.string()),
  ListEditSchema,
]);
export type ParameterValue = z.infer<typeof ParameterValueSchema>;
export type InvokeParams = Record<string, ParameterValue>;

export const RequestSchema = z.discriminatedUnion("op", [
  z.object({ id: z.string().min(1), op: z.literal("connect"), params: z.record(z.string(), z.unknown()) }),
  z.object({
    id: z.string().min(1),
    op: z.literal("invoke"),
    cmdlet: z.string(),
    params: z.record(z.string(), ParameterValueSchema).optional(),
  }),
  z.object({ id: z.string().min(1), op: z.literal("ping") }),
  z.object({ id: z.string().min(1), op: z.literal("disconnect") }),
]);
export type Request = z.infer<typeof RequestSchema>;

export const BridgeErrorSchema = z.object({
  category: z.enum(ERROR_CATEGORIES),
  type: z.string(),
  message: z.string(),
});
export type BridgeError = z.infer<typeof BridgeErrorSchema>;

export const ResponseSchema = z.union([
  z.object({ id: z.string().nullable(), ok: z.literal(true), result: z.unknown() }),
  z.object({ id: z.string().nullable(), ok: z.literal(false), error: BridgeErrorSchema }),
]);
export type Response = z.infer<typeof ResponseSchema>;

/** Parses one stdout line: a ready line, a response, or null for anything else (kept as a diagnostic). */
export function parseBridgeLine(
  line: string,
): { kind: "ready"; ready: ReadyLine } | { kind: "response"; response: Response } | null {
  let value: unknown;
  try {
    value = JSON.parse(line);
  } catch {
    return null;
  }
  const ready = ReadyLineSchema.safeParse(value);
  if (ready.success) return { kind: "ready", ready: ready.data };
  const response = ResponseSchema.safeParse(value);
  if (response.success) return { kind: "response", response: response.data };
  return null;
}
