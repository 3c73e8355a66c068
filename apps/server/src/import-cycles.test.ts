import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { importCycles, importGraph } from "./import-cycles.js";

const SRC = fileURLToPath(new URL(".", import.meta.url));

describe("apps/server/src import graph", () => {
  it("has no import cycle, type-only imports included", () => {
    expect(importCycles(importGraph(SRC))).toEqual([]);
  });

  it("finds a cycle, a type-only one too", () => {
    const g = new Map([
      ["a.ts", ["b.ts"]],
      ["b.ts", ["c.ts"]],
      ["c.ts", ["a.ts"]],
      ["d.ts", ["a.ts"]],
    ]);
    expect(importCycles(g)).toEqual([["a.ts", "b.ts", "c.ts"]]);
    // `import type` lines are edges: dispatch.ts imports commands/command-types.ts for types only.
    expect(importGraph(SRC).get("dispatch.ts")).toContain("commands/command-types.ts");
  });
});
