/**
 * How Graph renders a user: the property catalogue, the default property set returned without `$select`
 * (apis.md A4 [D user-get]) and `$select` projection. Properties the emulator does not model render as null/[].
 */
import type { UserState } from "../state.js";

const PROPERTIES: Record<string, (u: UserState) => unknown> = {
  id: (u) => u.id,
  businessPhones: () => [],
  displayName: (u) => u.displayName,
  givenName: (u) => u.givenName ?? null,
  jobTitle: (u) => u.jobTitle ?? null,
  mail: (u) => u.mail,
  mobilePhone: () => null,
  officeLocation: () => null,
  preferredLanguage: () => null,
  surname: (u) => u.surname ?? null,
  userPrincipalName: (u) => u.userPrincipalName,
  accountEnabled: (u) => u.accountEnabled,
  signInSessionsValidFromDateTime: (u) => u.signInSessionsValidFromDateTime,
  onPremisesSyncEnabled: (u) => u.onPremisesSyncEnabled,
  userType: (u) => u.userType,
  proxyAddresses: (u) => u.proxyAddresses,
  createdDateTime: (u) => u.createdDateTime,
  lastPasswordChangeDateTime: (u) => u.lastPasswordChangeDateTime ?? u.createdDateTime,
  otherMails: () => [],
  department: () => null,
  companyName: () => null,
  employeeId: () => null,
  usageLocation: () => null,
  onPremisesImmutableId: () => null,
  onPremisesSamAccountName: () => null,
  onPremisesLastSyncDateTime: () => null,
};

export const DEFAULT_USER_PROPERTIES = [
  "businessPhones",
  "displayName",
  "givenName",
  "jobTitle",
  "mail",
  "mobilePhone",
  "officeLocation",
  "preferredLanguage",
  "surname",
  "userPrincipalName",
  "id",
] as const;

/** Canonical spelling of a property name (Graph matches `$select` names case-insensitively), if it exists. */
export function canonicalUserProperty(name: string): string | undefined {
  const lower = name.toLowerCase();
  return Object.keys(PROPERTIES).find((k) => k.toLowerCase() === lower);
}

export function projectUser(u: UserState, properties: readonly string[]): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const p of properties) {
    const get = PROPERTIES[p];
    if (get) out[p] = get(u);
  }
  return out;
}
