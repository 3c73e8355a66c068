// The command table as a whole: unique names, sane shapes, and (against real redis-server
// 7.0.15) the COMMAND INFO fields of the core commands: arity, flags, key positions, ACL
// categories, subcommands.
import { describe, expect, it } from "vitest";
import { type CommandSpec, infoFlags } from "../../src/command-types.js";
import { commands } from "../../src/commands/index.js";
import { keyCommands } from "../../src/commands/keys.js";
import { stringCommands } from "../../src/commands/strings.js";
import { decodeReply, oracleForSuite } from "../redis-oracle.js";

describe("command table", () => {
  it("names every command once, in lowercase, with sane key positions", () => {
    const names = commands.map((c) => c.name);
    expect(names.filter((n, i) => names.indexOf(n) !== i)).toEqual([]);
    for (const c of commands) {
      expect(c.name).toBe(c.name.toLowerCase());
      expect(c.arity).not.toBe(0);
      if (c.firstKey === 0) expect([c.lastKey, c.step]).toEqual([0, 0]);
      else expect(c.step).toBeGreaterThan(0);
      for (const s of c.subcommands ?? []) expect(s.name.startsWith(`${c.name}|`)).toBe(true);
    }
  });
});

/** A spec in COMMAND INFO's shape (RESP2 decoded), leaving out tips and key specs. */
function info(c: CommandSpec): unknown[] {
  return [
    c.name,
    c.arity,
    infoFlags(c).map((f) => `+${f}`),
    c.firstKey,
    c.lastKey,
    c.step,
    c.aclCategories.map((a) => `+${a}`),
    (c.subcommands ?? []).map(info),
  ];
}

describe("COMMAND INFO vs redis-server 7.0.15", () => {
  const oracle = oracleForSuite();

  it("matches for strings and key commands", async () => {
    const mismatches: unknown[] = [];
    for (const c of [...stringCommands, ...keyCommands]) {
      const [r] = decodeReply(await oracle().command("COMMAND", "INFO", c.name)) as unknown[][];
      const theirs = r as unknown[];
      // MEMORY's other subcommands belong to the server: compare the ones defined here.
      const ours = new Set((c.subcommands ?? []).map((x) => x.name));
      if (Array.isArray(theirs[9]))
        theirs[9] = (theirs[9] as unknown[][]).filter(
          (x) => c.name !== "memory" || ours.has(String(x[0])),
        );
      const pick = (x: unknown[]): unknown[] => [
        ...x.slice(0, 7),
        ((x[9] as unknown[][]) ?? [])
          .map(pick)
          .sort((a, b) => String(a[0]).localeCompare(String(b[0]))),
      ];
      const mine = info(c);
      mine[7] = (mine[7] as unknown[][]).sort((a, b) => String(a[0]).localeCompare(String(b[0])));
      if (JSON.stringify(pick(theirs)) !== JSON.stringify(mine))
        mismatches.push({ mine, theirs: pick(theirs) });
    }
    expect(mismatches).toEqual([]);
  });
});
