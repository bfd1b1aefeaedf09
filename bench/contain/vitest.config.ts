import { defineConfig } from "vitest/config";

// Containment benchmarks (not part of `npm test`): `npm run bench:contain`.
export default defineConfig({
  test: {
    include: ["bench/contain/*.bench-test.ts"],
    pool: "forks",
    fileParallelism: false,
    testTimeout: 2 * 3600_000,
    hookTimeout: 30 * 60_000,
    reporters: ["default"],
  },
});
