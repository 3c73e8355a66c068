// The fuzzer in the test suite: a short budget on fixed seeds (any crash, hang or divergence
// not documented in known.ts fails, with its replay line and minimal reproducer), and every
// bug it found so far replayed by name.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Fuzzer } from "./fuzzer.js";
import { REGRESSIONS } from "./regressions.js";
import { runFuzz } from "./run.js";

let fz: Fuzzer;
beforeAll(async () => {
  fz = await Fuzzer.start();
});
afterAll(async () => {
  await fz?.stop();
});

describe("fuzz: regressions against redis-server 7.0.15", () => {
  for (const r of REGRESSIONS)
    it(r.name, async () => {
      const res = await fz.execute(r.proto, r.steps);
      expect(res.failure ? fz.describe(res.failure) : "agree").toBe("agree");
    });
});

describe("fuzz: short budget", () => {
  // A command budget, not a time budget: the same batches on every machine and every run.
  it("seeds 1-3, 6000 commands each: no crash, hang or undocumented divergence", async () => {
    const lines: string[] = [];
    let commands = 0;
    const entries = new Set<string>();
    for (const seed of [1, 2, 3]) {
      const sum = await runFuzz({
        fuzzer: fz,
        seed,
        commands: 6000,
        log: (l) => lines.push(l),
      });
      commands += sum.commands;
      for (const e of Object.keys(sum.perEntry)) entries.add(e);
      expect(
        sum.found.map((f) => `${f.replay}\n${f.reproducer}`).join("\n\n"),
        lines.join("\n"),
      ).toBe("");
    }
    // It must have checked something: thousands of commands over most of the table (284
    // entries at the time of writing; a run of a few thousand steps draws nearly all).
    expect(commands).toBeGreaterThan(5000);
    expect(entries.size).toBeGreaterThan(fz.entries.length * 0.9);
  }, 120_000);
});
