/**
 * The example configs in config/ validate: the real-tenant template as it is, the emulator's with its secret
 * given through the environment (as clientSecretEnv says). A key renamed in the schema fails here first.
 */
import { readdirSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { loadConfig } from "../../src/config/load.js";

describe("config/ examples", () => {
  const files = readdirSync("config").filter((f) => /\.(ya?ml|json)$/.test(f));
  it("there are examples for a real tenant and for the emulator", () => {
    expect(files).toEqual(expect.arrayContaining(["tenant.example.yaml", "emulator.example.yaml"]));
  });
  for (const f of files)
    it(`${f} validates with no errors`, () => {
      const r = loadConfig({
        file: path.join("config", f),
        env: { MAILWARDEN_CLIENT_SECRET: "example" },
        flags: {},
      });
      expect(r.errors).toEqual([]);
      expect(r.config).toBeDefined();
    });
});
