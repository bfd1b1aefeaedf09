import { defineConfig } from "vitest/config";

// The detection storm (not part of `npm test`): `npm run bench:storm`.
export default defineConfig({
  test: {
    include: ["bench/storm/*.bench-test.ts"],
    pool: "forks",
    testTimeout: 2 * 3600_000,
    hookTimeout: 30 * 60_000,
    reporters: ["default"],
  },
});
