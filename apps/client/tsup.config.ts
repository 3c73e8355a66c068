import { defineConfig } from "tsup";

export default defineConfig({
  entry: ["src/index.ts", "src/cli.ts", "src/bench-cli.ts"],
  format: ["esm"],
  // Declarations resolve siblings through their published types, not the source condition.
  dts: { entry: "src/index.ts", compilerOptions: { customConditions: [] } },
  sourcemap: true,
  clean: true,
  target: "node20",
});
