import { defineShoalProject } from "@shoal/vitest-config";

export default defineShoalProject("package-checks", {
  test: { testTimeout: 120_000, hookTimeout: 180_000 },
});
