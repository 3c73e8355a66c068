// Propagation against recording consumers: the order and wrapping the AOF and the replication
// stream see, as Redis's propagate()/propagatePendingCommands() produce them.
import { describe, expect, it } from "vitest";
import { Propagation, type PropagationHost } from "./propagate.js";
import { OwnedArgs } from "./protocol/command-decoder.js";

type Fed = [string, number, string[]];

function setup(opts: { aof: boolean; feeding: boolean }) {
  const fed: Fed[] = [];
  const text = (argv: readonly (Buffer | string)[]) => argv.map((a) => a.toString());
  const host = {
    call: { args: null as OwnedArgs | null },
    persistence: {
      loading: false as boolean,
      aof: (opts.aof ? {} : null) as never,
      // Persistence.feed writes only while an AOF is open, as feedAppendOnlyFile.
      feed: (db: number, argv: readonly (Buffer | string)[]) => {
        if (opts.aof) fed.push(["aof", db, text(argv)]);
      },
    },
    replication: {
      feeding: opts.feeding,
      feed: (db: number, argv: readonly (Buffer | string)[]) => fed.push(["repl", db, text(argv)]),
      feedArgs: (db: number, args: OwnedArgs) => {
        const argv: string[] = [];
        for (let i = 0; i < args.argc; i++) argv.push(args.latin1(i));
        fed.push(["repl-args", db, argv]);
      },
      forgetStoredHistory: () => fed.push(["forget", 0, []]),
    },
  } satisfies PropagationHost;
  return { host, fed, p: new Propagation(host) };
}

describe("Propagation", () => {
  it("feeds the AOF, then the replication stream, each write in order", () => {
    const { p, fed } = setup({ aof: true, feeding: true });
    p.propagate(0, ["SET", "k", "1"]);
    p.propagate(3, ["DEL", "k"]);
    expect(fed).toEqual([
      ["aof", 0, ["SET", "k", "1"]],
      ["repl", 0, ["SET", "k", "1"]],
      ["aof", 3, ["DEL", "k"]],
      ["repl", 3, ["DEL", "k"]],
    ]);
  });

  it("wraps a transaction's writes in one MULTI ... EXEC, written once the first write comes", () => {
    const { p, fed } = setup({ aof: false, feeding: true });
    p.beginExecPropagation(2);
    expect(p.inExec).toBe(true);
    expect(fed).toEqual([]);
    p.propagate(2, ["INCR", "a"]);
    p.propagate(2, ["INCR", "b"]);
    p.endExecPropagation(2);
    expect(p.inExec).toBe(false);
    expect(fed.map(([, db, argv]) => [db, argv.join(" ")])).toEqual([
      [2, "MULTI"],
      [2, "INCR a"],
      [2, "INCR b"],
      [2, "EXEC"],
    ]);
  });

  it("propagates nothing for a transaction without writes", () => {
    const { p, fed } = setup({ aof: true, feeding: true });
    p.beginExecPropagation(0);
    p.endExecPropagation(0);
    expect(fed).toEqual([]);
  });

  it("drops what is replayed while the AOF loads", () => {
    const { p, fed, host } = setup({ aof: true, feeding: true });
    host.persistence.loading = true;
    p.propagate(0, ["SET", "k", "1"]);
    expect(fed).toEqual([]);
  });

  it("sends the current command: straight from its arguments when only replicas take it", () => {
    const { p, fed, host } = setup({ aof: false, feeding: true });
    host.call.args = OwnedArgs.of("SET", "k", "v");
    p.propagateCurrent(1);
    expect(fed).toEqual([["repl-args", 1, ["SET", "k", "v"]]]);
    // Inside EXEC it goes through the wrapping instead.
    fed.length = 0;
    p.beginExecPropagation(1);
    p.propagateCurrent(1);
    p.endExecPropagation(1);
    expect(fed.map(([kind, , argv]) => `${kind} ${argv.join(" ")}`)).toEqual([
      "repl MULTI",
      "repl SET k v",
      "repl EXEC",
    ]);
  });

  it("sends the current command to the AOF and replicas alike; nowhere when nothing consumes", () => {
    const both = setup({ aof: true, feeding: true });
    both.host.call.args = OwnedArgs.of("DEL", "x");
    both.p.propagateCurrent(0);
    expect(both.fed).toEqual([
      ["aof", 0, ["DEL", "x"]],
      ["repl", 0, ["DEL", "x"]],
    ]);
    const none = setup({ aof: false, feeding: false });
    none.host.call.args = OwnedArgs.of("DEL", "x");
    none.p.propagateCurrent(0);
    // Not copied anywhere, but the history a dump.rdb recorded no longer describes the data.
    expect(none.fed).toEqual([["forget", 0, []]]);
  });

  it("holds no copy of a script's first write when nothing consumes the stream", () => {
    const { p, fed } = setup({ aof: false, feeding: false });
    p.beginExecPropagation(0, true);
    p.propagate(0, ["XADD", "s", "1-1", "f", "v"]);
    // Handed on at once (where the real stream drops it), not held for the end of the script.
    expect(fed).toEqual([["repl", 0, ["XADD", "s", "1-1", "f", "v"]]]);
    p.propagate(0, ["XADD", "s", "1-2", "f", "v"]);
    p.endExecPropagation(0);
    expect(fed.map(([, , argv]) => argv[0])).toEqual(["XADD", "XADD"]);
  });
});
