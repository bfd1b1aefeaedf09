/**
 * Starts the emulated tenant for a test with the real credential, Graph SDK and Exchange bridge (pwsh stand-in)
 * wired from a config, exactly as the CLI does.
 */
import { mkdtempSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { launchEmulator, type LaunchedEmulator } from "../../src/cli/commands/emulator.js";
import { openTenant, type TenantHandles } from "../../src/cli/tenant.js";
import { configSchema, type Config, type ConfigInput } from "../../src/config/schema.js";

export interface TestTenant extends LaunchedEmulator {
  stateDir: string;
  cfg: Config;
  handles: TenantHandles;
  writes(since?: number): { method: string; path: string; face: string; operation?: string }[];
  mark(): number;
  close(): Promise<void>;
}

export function caDir(): string {
  const d = process.env.MAILWARDEN_TEST_CA_DIR;
  if (!d)
    throw new Error(
      "run the tests through `npm test` (scripts/test.mjs sets MAILWARDEN_TEST_CA_DIR and NODE_EXTRA_CA_CERTS)",
    );
  return d;
}

export async function startTestTenant(
  o: {
    scenario?: string | import("../../src/emulator/scenario.js").Scenario;
    config?: (c: ConfigInput) => ConfigInput;
    faults?: string;
  } = {},
): Promise<TestTenant> {
  const stateDir = mkdtempSync(path.join(os.tmpdir(), "mw-test-"));
  const launched = await launchEmulator({
    stateDir,
    caDir: caDir(),
    scenario: o.scenario ?? "default",
    ...(o.faults ? { faults: o.faults } : {}),
  });
  const cfg = configSchema.parse(o.config ? o.config(launched.config) : launched.config);
  const handles = await openTenant(cfg);
  return {
    ...launched,
    stateDir,
    cfg,
    handles,
    mark: () => launched.emulator.requests().length,
    writes: (since = 0) =>
      launched.emulator
        .requests()
        .slice(since)
        .filter((r) => r.write)
        .map((r) => ({
          method: r.method,
          path: r.path,
          face: r.face,
          ...(r.operation ? { operation: r.operation } : {}),
        })),
    close: async () => {
      await handles.close();
      await launched.emulator.close();
    },
  };
}
