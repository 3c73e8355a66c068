// One vitest run over every workspace package: one summary and one JSON report for CI.
import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    // Two files at a time whatever the core count (vitest's default is cores - 1, one on CI's two
    // cores): most process tests spend their time waiting on failover timers and sockets, so a
    // second file overlaps them. Timing-sensitive tests leave margins for a loaded machine.
    maxWorkers: 2,
    projects: [
      "packages/*/vitest.config.ts",
      "apps/*/vitest.config.ts",
      "tooling/*/vitest.config.ts",
    ],
  },
});
