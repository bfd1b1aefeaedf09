/** Resolves the `{tenant}` path segment used by token and Exchange endpoints: the tenant id or a verified domain. */
import type { TenantState } from "./state.js";

export function matchesTenant(state: TenantState, segment: string): boolean {
  const s = segment.toLowerCase();
  return s === state.tenantId.toLowerCase() || state.domains.some((d) => d.toLowerCase() === s);
}

/** The tenant's initial domain (`*.onmicrosoft.com`), the Organization for Connect-ExchangeOnline. */
export function initialDomain(state: TenantState): string {
  return state.domains.find((d) => d.toLowerCase().endsWith(".onmicrosoft.com")) ?? state.domains[0] ?? "";
}
