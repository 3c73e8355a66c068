// One vitest run over every workspace package: one summary and one JSON report for CI.
import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    projects: [
      "packages/*/vitest.config.ts",
      "apps/*/vitest.config.ts",
      "tooling/*/vitest.config.ts",
    ],
  },
});
