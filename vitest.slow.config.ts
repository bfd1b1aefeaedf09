import { defineConfig } from "vitest/config";

// The slow suite: the docs' own commands, the install from a packed tarball, every exit code, the emulator's
// command line, `hunt --offline` as a user runs it (every output format, quarantine, --print-kql), the SIGKILL durability test, the long-running watch stopped and restarted, and the halt switch
// stopping a running containment (test/slow/halt.test.ts, about 35 s). `npm run test:slow`; CI (.ci/run) runs it after `npm test`.
export default defineConfig({
  test: {
    include: ["test/slow/**/*.test.ts"],
    pool: "forks",
    testTimeout: 30_000,
    hookTimeout: 120_000,
    reporters: ["default"],
  },
});
