/**
 * What a decision on a waiting step needs, opened from the config: the tenant (the approved step runs in this
 * process), the audit log and the selected playbooks. Shared by `approvals approve|reject` and `console`.
 */
import type { Config } from "../config/schema.js";
import type { DecideEnv } from "../runner/approvals.js";
import type { CaseStore } from "../store/types.js";
import { actionContext } from "./tenant.js";
import { shutdownSignal } from "./shutdown.js";
import { openTenant } from "./tenant.js";

export interface OpenDecisions {
  env: DecideEnv;
  close(): Promise<void>;
}

export async function openDecisions(config: Config, store: CaseStore): Promise<OpenDecisions> {
  const { loadPlaybook } = await import("../playbooks/load.js");
  const { closeAuditLog, createAuditLog } = await import("../audit/log.js");
  const playbooks = config.playbooks.selected.map((id) => loadPlaybook(id, config.playbooks.dirs));
  const t = await openTenant(config);
  const audit = createAuditLog(config.audit.path);
  return {
    env: {
      store,
      audit,
      actionCtx: actionContext(config, t),
      leaseMs: config.store.leaseSeconds * 1000,
      playbooks,
      stop: shutdownSignal,
      ...(config.guardrails.halt ? { configHalt: config.guardrails.halt } : {}),
    },
    close: async () => {
      await closeAuditLog(audit);
      await t.close();
    },
  };
}
