/**
 * The Entra admin center sign-in CSV download (formats.md §4.1): every cell quoted, header names with trailing and
 * double spaces and a duplicate `Incoming token type`, no risk columns. Each row is rebuilt as a Graph `signIn`
 * object so the one sign-in mapping (signin.ts) serves it.
 */
import { createReadStream } from "node:fs";
import { parse } from "csv-parse";
import { normalizeHeader } from "./identify.js";
import type { StagedRecord } from "./docs.js";

export function isEntraAdminHeader(header: readonly string[]): boolean {
  const h = new Set(header.map((c) => normalizeHeader(c).toLowerCase()));
  return h.has("date (utc)") && h.has("request id");
}

const FIELDS: Record<string, string> = {
  "request id": "id",
  "date (utc)": "createdDateTime",
  "user agent": "userAgent",
  "correlation id": "correlationId",
  "user id": "userId",
  user: "userDisplayName",
  username: "userPrincipalName",
  "user type": "userType",
  "cross tenant access type": "crossTenantAccessType",
  "incoming token type": "incomingTokenType",
  "authentication protocol": "authenticationProtocol",
  "unique token identifier": "uniqueTokenIdentifier",
  application: "appDisplayName",
  "application id": "appId",
  resource: "resourceDisplayName",
  "resource id": "resourceId",
  "resource tenant id": "resourceTenantId",
  "home tenant id": "homeTenantId",
  "ip address": "ipAddress",
  "client app": "clientAppUsed",
  "authentication requirement": "authenticationRequirement",
  "sign-in identifier": "signInIdentifier",
  "session id": "sessionId",
  "ip address (seen by resource)": "ipAddressFromResourceProvider",
  "autonomous system number": "autonomousSystemNumber",
  "token issuer type": "tokenIssuerType",
  "token issuer name": "tokenIssuerName",
  "conditional access": "conditionalAccessStatus",
};

const bool = (v: string | undefined) => {
  const l = (v ?? "").trim().toLowerCase();
  return l === "true" || l === "yes" ? true : l === "false" || l === "no" ? false : undefined;
};

/** Interactivity is not in the file's content; the download names it (`NonInteractiveSignIns_…`), a tie-break only. */
export async function* entraAdminRecords(
  file: string,
  nonInteractive: boolean,
): AsyncGenerator<StagedRecord> {
  const parser = createReadStream(file).pipe(
    parse({ bom: true, relax_column_count: true, info: true, skip_empty_lines: true }),
  );
  let header: string[] | undefined;
  let nextLine = 1;
  for await (const item of parser as AsyncIterable<{ record: string[]; info: { lines: number } }>) {
    const { record, info } = item;
    const line = nextLine;
    nextLine = info.lines + 1;
    if (!header) {
      header = record.map((h) => normalizeHeader(h).toLowerCase());
      continue;
    }
    const raw = record.join(",").slice(0, 300);
    if (record.length !== header.length) {
      yield {
        loc: String(line),
        rec: {
          kind: "bad",
          reason: `wrong column count: ${record.length} cells, header has ${header.length}`,
        },
        raw,
      };
      continue;
    }
    const cell = (name: string) => {
      const i = header?.indexOf(name) ?? -1;
      return i >= 0 ? record[i] : undefined;
    };
    const o: Record<string, unknown> = {};
    header.forEach((h, i) => {
      const key = FIELDS[h];
      const v = record[i];
      if (key && v !== undefined && v !== "" && !(key in o)) o[key] = v;
    });
    const [city, state, country] = (cell("location") ?? "").split(", ");
    o.location = { city: city ?? "", state: state ?? "", countryOrRegion: country ?? "" };
    const code = cell("sign-in error code");
    o.status = {
      errorCode: code === undefined || code === "" ? null : code,
      failureReason: cell("failure reason") ?? "",
    };
    o.deviceDetail = {
      deviceId: cell("device id") ?? "",
      browser: cell("browser") ?? "",
      operatingSystem: cell("operating system") ?? "",
      isCompliant: bool(cell("compliant")),
      isManaged: bool(cell("managed")),
      trustType: cell("join type") ?? "",
    };
    o.isInteractive = !nonInteractive;
    o.signInEventTypes = [nonInteractive ? "nonInteractiveUser" : "interactiveUser"];
    yield { loc: String(line), rec: { kind: "signin", doc: JSON.stringify(o), hint: null }, raw };
  }
}
