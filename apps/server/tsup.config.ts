import { defineConfig } from "tsup";

export default defineConfig({
  entry: {
    index: "src/index.ts",
    main: "src/main.ts",
    "shoal-cluster": "src/launcher/cli.ts",
    "fault-proxy": "src/launcher/proxy-daemon.ts",
  },
  format: ["esm"],
  // Declarations resolve siblings through their published types, not the source condition.
  dts: { entry: "src/index.ts", compilerOptions: { customConditions: [] } },
  sourcemap: true,
  clean: true,
  target: "node20",
});
