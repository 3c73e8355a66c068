// defineShoalProject(): the vitest project settings every Shoal package shares.
// Sibling packages resolve to their TypeScript source through the "@shoal/source" export
// condition, so a package's tests never wait for (or go stale against) a sibling's dist/.
import { defineProject, mergeConfig } from "vitest/config";

/**
 * @param {string} name project name shown beside each test file
 * @param {import("vitest/config").UserWorkspaceConfig} [overrides]
 */
export function defineShoalProject(name, overrides = {}) {
  return mergeConfig(
    defineProject({
      resolve: { conditions: ["@shoal/source"] },
      ssr: { resolve: { conditions: ["@shoal/source"] } },
      test: {
        name,
        include: ["src/**/*.test.ts", "test/**/*.test.ts"],
        testTimeout: 20_000,
        // A command that throws ends a shoal-server (spawned or in-process) instead of being
        // answered with an error: no test run hides an exception (Server.commandException).
        env: { SHOAL_FAIL_FAST: "1" },
        hookTimeout: 60_000,
      },
    }),
    overrides,
  );
}
