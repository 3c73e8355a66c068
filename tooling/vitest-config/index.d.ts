import type { UserWorkspaceConfig } from "vitest/config";
export declare function defineShoalProject(
  name: string,
  overrides?: UserWorkspaceConfig,
): UserWorkspaceConfig;
