/** Every named scenario. */
import type { ScenarioName } from "../options.js";
import { adminTransportBcc, fullAccessMailItemsAccessed } from "./admin.js";
import { benignLookalikes } from "./benign.js";
import type { ScenarioDef } from "./common.js";
import {
  aitmRssHide,
  externalForward,
  hiddenRule,
  outlookClientRule,
  ruleCreatedThenRemoved,
} from "./inbox.js";
import { cloudProviderOverlap, lateRuleRefreshToken, oneIpThreeUsers, tokenReplay } from "./session.js";

export const SCENARIOS: Record<ScenarioName, ScenarioDef> = {
  "aitm-rss-hide": aitmRssHide,
  "external-forward": externalForward,
  "outlook-client-rule": outlookClientRule,
  "admin-transport-bcc": adminTransportBcc,
  "fullaccess-mailitemsaccessed": fullAccessMailItemsAccessed,
  "token-replay": tokenReplay,
  "late-rule-refresh-token": lateRuleRefreshToken,
  "one-ip-three-users": oneIpThreeUsers,
  "rule-created-then-removed": ruleCreatedThenRemoved,
  "hidden-rule": hiddenRule,
  "cloud-provider-overlap": cloudProviderOverlap,
  "benign-lookalikes": benignLookalikes,
};

export type { ScenarioDef };
