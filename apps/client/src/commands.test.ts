import { describe, expect, it } from "vitest";
import { commandKeys, isReadOnly, lookupCommand } from "./commands.js";

describe("command table", () => {
  it("finds keys like COMMAND's key specs", () => {
    expect(commandKeys(["GET", "k"])).toEqual([1]);
    expect(commandKeys(["MSET", "a", "1", "b", "2"])).toEqual([1, 3]);
    expect(commandKeys(["DEL", "a", "b", "c"])).toEqual([1, 2, 3]);
    expect(commandKeys(["EVAL", "return 1", "2", "k1", "k2", "arg"])).toEqual([3, 4]);
    expect(commandKeys(["XREAD", "COUNT", "2", "STREAMS", "s1", "s2", "0", "0"])).toEqual([4, 5]);
    expect(commandKeys(["ZUNIONSTORE", "d", "2", "a", "b", "WEIGHTS", "1", "2"])).toEqual([
      1, 3, 4,
    ]);
    expect(commandKeys(["BLPOP", "a", "b", "0"])).toEqual([1, 2]);
    expect(commandKeys(["PING"])).toEqual([]);
    expect(commandKeys(["PUBLISH", "ch", "m"])).toEqual([]);
    // Unknown commands: first argument assumed to be the key.
    expect(commandKeys(["JSON.GET", "doc"])).toEqual([1]);
  });

  it("knows which commands may read from replicas", () => {
    expect(isReadOnly(["get", "k"])).toBe(true);
    expect(isReadOnly(["SET", "k", "v"])).toBe(false);
    expect(isReadOnly(["ZREVRANGE", "k", "0", "1"])).toBe(true);
    expect(lookupCommand("hgetall")!.transform!(["a", "1", "b", "2"])).toEqual({ a: "1", b: "2" });
  });
});
