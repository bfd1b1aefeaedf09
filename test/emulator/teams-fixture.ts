/** A small tenant with a team, a notices account (password sign-in) and a public-client notices app. */
import { UsernamePasswordCredential } from "@azure/identity";
import type { Scenario } from "../../src/emulator/scenario.js";
import type { RunningEmulator } from "../../src/emulator/server.js";

export const TEAM_ID = "3f2b8c1e-5a6d-4e7f-8a9b-0c1d2e3f4a5b";
export const CHANNEL_ID = "19:5e2a1c0b7d9f4e3a8b6c1d0e2f3a4b5c@thread.tacv2";
export const NOTICES_APP_ID = "0b1c2d3e-4f50-4617-8293-a4b5c6d7e8f9";
export const UNCONSENTED_APP_ID = "1c2d3e4f-5061-4728-9304-b5c6d7e8f9a0";
export const NOTICES_UPN = "notices@contoso.com";
export const NOTICES_PASSWORD = "Corr3ct-Horse-Battery";
export const OUTSIDER_UPN = "outsider@contoso.com";
export const OUTSIDER_PASSWORD = "An0ther-Passw0rd!";

export const teamsScenario: Scenario = {
  tenant: { displayName: "Contoso", domains: ["contoso.com", "contoso.onmicrosoft.com"] },
  users: [
    { userPrincipalName: "AdeleV@contoso.com", displayName: "Adele Vance", mailbox: {} },
    { userPrincipalName: NOTICES_UPN, displayName: "mailwarden notices", password: NOTICES_PASSWORD },
    { userPrincipalName: OUTSIDER_UPN, displayName: "Not In The Team", password: OUTSIDER_PASSWORD },
  ],
  apps: [
    { displayName: "mailwarden", graphRoles: ["User.Read.All"] },
    {
      clientId: NOTICES_APP_ID,
      displayName: "mailwarden notices",
      publicClient: true,
      delegatedGraphScopes: ["ChannelMessage.Send"],
    },
    {
      clientId: UNCONSENTED_APP_ID,
      displayName: "other public app",
      publicClient: true,
      delegatedGraphScopes: ["User.Read"],
    },
  ],
  teams: [
    {
      id: TEAM_ID,
      displayName: "Security Operations",
      members: [NOTICES_UPN, "AdeleV@contoso.com"],
      channels: [{ id: CHANNEL_ID, displayName: "Incidents" }],
    },
  ],
};

export function noticesCredential(
  emu: RunningEmulator,
  username = NOTICES_UPN,
  password = NOTICES_PASSWORD,
  clientId = NOTICES_APP_ID,
): UsernamePasswordCredential {
  return new UsernamePasswordCredential(emu.tenantId, clientId, username, password, {
    authorityHost: emu.authorityHost,
    disableInstanceDiscovery: true,
  });
}
