import { defineShoalProject } from "@shoal/vitest-config";

export default defineShoalProject("sim", { test: { testTimeout: 120_000 } });
