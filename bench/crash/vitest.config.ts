import { defineConfig } from "vitest/config";

// The long durability suites (not part of `npm test`): `npm run bench:crash`.
export default defineConfig({
  test: {
    include: ["bench/crash/*.bench-test.ts"],
    pool: "forks",
    testTimeout: 4 * 3600_000,
    hookTimeout: 60_000,
    reporters: ["default"],
  },
});
