// COMMAND DOCS, COMMAND INFO's tips and key specs, COMMAND GETKEYSANDFLAGS, COMMAND HELP and
// LOLWUT against real redis-server 7.0.15, in RESP2 and RESP3, for every command Shoal has: the bytes of
// each reply must be Redis's. A container's subcommands come in Redis's dict order (its hash
// seed is random per process), so a container is compared without them; each subcommand is
// compared on its own under its full name.
import { type ServerHandle, startRedisServer } from "@shoal/test-utils";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { cmd, exchange, startShoal } from "./helpers.js";

/** A reply as data: "$bulk", "+simple", "-error", integers, [type, ...items] for aggregates. */
type Value = string | number | null | Value[];

/** One RESP2/RESP3 reply from `i`: its value and where the next reply starts. */
function parse(b: string, i: number): [Value, number] {
  const e = b.indexOf("\r\n", i);
  const line = b.slice(i + 1, e);
  const p = e + 2;
  const t = b[i]!;
  if (t === "$" || t === "=") {
    // Verbatim strings (=) keep their "txt:" prefix.
    const n = Number(line);
    return n < 0 ? [null, p] : [`${t}${b.slice(p, p + n)}`, p + n + 2];
  }
  if (t === ":") return [Number(line), p];
  if (t === "_") return [null, p];
  if (t === "*" || t === "%" || t === "~") {
    const n = Number(line) * (t === "%" ? 2 : 1);
    const out: Value[] = [t];
    let q = p;
    for (let k = 0; k < n; k++) {
      const [v, next] = parse(b, q);
      out.push(v);
      q = next;
    }
    return [out, q];
  }
  return [`${t}${line}`, p];
}

/** Every reply in a session's text, each with its raw bytes. */
function replies(text: string): { value: Value; raw: string }[] {
  const out: { value: Value; raw: string }[] = [];
  for (let i = 0; i < text.length; ) {
    const [value, next] = parse(text, i);
    out.push({ value, raw: text.slice(i, next) });
    i = next;
  }
  return out;
}

/** A map or RESP2 flat pair list without the pair named `key` ("$subcommands"). */
function withoutPair(m: Value[], key: string): Value[] {
  const i = m.indexOf(key, 1);
  return i > 0 && (i - 1) % 2 === 0 ? [...m.slice(0, i), ...m.slice(i + 2)] : m;
}

describe("COMMAND DOCS / INFO / GETKEYSANDFLAGS vs redis-server 7.0.15", () => {
  let shoal: ServerHandle;
  let redis: ServerHandle;
  let names: string[];
  let containers: Set<string>;
  beforeAll(async () => {
    [shoal, redis] = await Promise.all([startShoal(), startRedisServer()]);
    const list = replies(await exchange(shoal.port, cmd("COMMAND", "LIST")))[0]!.value as Value[];
    names = list.slice(1).map((v) => (v as string).slice(1));
    containers = new Set(names.filter((n) => n.includes("|")).map((n) => n.split("|")[0]!));
  }, 30_000);
  afterAll(async () => {
    await Promise.all([shoal?.stop(), redis?.stop()]);
  });

  // Redis 7.2's CLUSTER MYSHARDID: Shoal's own, absent from 7.0.15.
  const later = new Set(["cluster|myshardid"]);

  /** Per name: the raw reply, or for a container its value without its subcommands. */
  async function answers(port: number, proto: string, sub: "DOCS" | "INFO"): Promise<string[]> {
    const text = await exchange(
      port,
      cmd("HELLO", proto) + names.map((n) => cmd("COMMAND", sub, n)).join(""),
    );
    return replies(text)
      .slice(1)
      .map(({ value, raw }, i) => {
        if (!containers.has(names[i]!)) return raw;
        const v = value as Value[];
        if (sub === "DOCS")
          return JSON.stringify([v[0], v[1], withoutPair(v[2] as Value[], "$subcommands")]);
        const entry = v[1] as Value[];
        return JSON.stringify(entry.slice(0, 10)); // the 10th element (index 10) is the subcommands
      });
  }

  it("COMMAND COUNT and COMMAND LIST are redis-server's (Shoal's own later additions aside)", async () => {
    const both = (c: string) =>
      Promise.all([shoal, redis].map(async (h) => replies(await exchange(h.port, c))[0]!.value));
    const [ours, theirs] = (await both(cmd("COMMAND", "LIST"))) as Value[][];
    const sorted = (v: Value[]) =>
      v
        .slice(1) // the array's type mark
        .map((x) => (x as string).slice(1))
        .filter((n) => !later.has(n))
        .sort();
    expect(sorted(ours!)).toEqual(sorted(theirs!));
    expect(theirs!.length).toBeGreaterThan(300);
    const [n, m] = await both(cmd("COMMAND", "COUNT"));
    const laterTop = [...later].filter((x) => !x.includes("|")).length;
    expect(Number(n) - laterTop).toBe(Number(m));
  });

  for (const proto of ["2", "3"])
    for (const sub of ["DOCS", "INFO"] as const)
      it(`COMMAND ${sub} of every command, RESP${proto}`, async () => {
        const [a, b] = await Promise.all([
          answers(shoal.port, proto, sub),
          answers(redis.port, proto, sub),
        ]);
        const differ = names
          .map((n, i) => ({ n, a: a[i], b: b[i] }))
          .filter((d) => !later.has(d.n) && d.a !== d.b);
        expect(differ).toEqual([]);
        expect(names.length).toBeGreaterThan(300);
        // Not vacuous: the docs carry arguments and history, INFO the key specs.
        const get = a[names.indexOf("set")]!;
        expect(get).toContain(sub === "DOCS" ? "$7\r\nhistory\r\n" : "$12\r\nbegin_search\r\n");
      });

  it("a container's subcommands are Redis's (those Shoal has), docs and info alike", async () => {
    const payload =
      cmd("HELLO", "3") +
      [...containers].map((c) => cmd("COMMAND", "DOCS", c) + cmd("COMMAND", "INFO", c)).join("");
    const subNames = (text: string) =>
      replies(text)
        .slice(1)
        .map(({ value }, i) => {
          const v = value as Value[];
          if (i % 2 === 0) {
            const docs = v[2] as Value[];
            const subs = docs[docs.indexOf("$subcommands") + 1] as Value[];
            return subs
              .filter((_, k) => k % 2 === 1)
              .map(String)
              .sort();
          }
          const subs = (v[1] as Value[])[10] as Value[];
          return subs
            .slice(1)
            .map((s) => String((s as Value[])[1]))
            .sort();
        });
    const [a, b] = await Promise.all([
      exchange(shoal.port, payload),
      exchange(redis.port, payload),
    ]);
    const shoalSubs = subNames(a);
    const redisSubs = subNames(b);
    shoalSubs.forEach((subs, i) => {
      const known = subs.filter((s) => !later.has(s.slice(1)));
      expect(known.every((s) => redisSubs[i]!.includes(s))).toBe(true);
    });
    expect(shoalSubs.flat()).toContain("$config|get");
  });

  const getkeys = [
    ["SET", "a", "b"],
    ["SET", "a", "b", "GET"],
    ["SORT", "k", "BY", "x", "GET", "y", "STORE", "d"],
    ["SORT_RO", "k"],
    ["MIGRATE", "h", "1", "", "0", "10", "KEYS", "a", "b"],
    ["MIGRATE", "h", "1", "k", "0", "10"],
    ["BITFIELD", "k", "GET", "u8", "0"],
    ["BITFIELD", "k", "SET", "u8", "0", "1"],
    ["BITFIELD_RO", "k", "GET", "u8", "0"],
    ["ZUNIONSTORE", "d", "2", "a", "b"],
    ["ZUNIONSTORE", "d", "5", "a", "b"],
    ["ZUNION", "2", "a", "b"],
    ["XREAD", "COUNT", "2", "STREAMS", "a", "b", "0", "0"],
    ["XREADGROUP", "GROUP", "g", "c", "STREAMS", "a", "0"],
    ["GEORADIUS", "k", "0", "0", "1", "m", "STORE", "d"],
    ["GEOSEARCHSTORE", "d", "s", "FROMMEMBER", "m", "BYRADIUS", "1", "m"],
    ["LMPOP", "2", "a", "b", "LEFT"],
    ["EVAL", "", "2", "a", "b"],
    ["FCALL", "f", "1", "a"],
    ["MSET", "a", "1", "b", "2"],
    ["LMOVE", "a", "b", "LEFT", "RIGHT"],
    ["RENAME", "a", "b"],
    ["GETEX", "a"],
    ["DEL", "a", "b"],
    ["MEMORY", "USAGE", "k"],
    ["OBJECT", "ENCODING", "k"],
    ["PFCOUNT", "a", "b"],
    ["BLPOP", "a", "b", "0"],
    ["PING"],
    ["NOSUCH", "a"],
  ];
  for (const proto of ["2", "3"])
    it(`COMMAND GETKEYSANDFLAGS and COMMAND HELP, RESP${proto}`, async () => {
      const payload =
        cmd("HELLO", proto) +
        getkeys.map((c) => cmd("COMMAND", "GETKEYSANDFLAGS", ...c)).join("") +
        cmd("COMMAND", "GETKEYSANDFLAGS", "GET") +
        cmd("COMMAND", "HELP");
      const [a, b] = await Promise.all([
        exchange(shoal.port, payload),
        exchange(redis.port, payload),
      ]);
      const [ra, rb] = [replies(a).slice(1), replies(b).slice(1)];
      expect(ra.map((r) => r.raw)).toEqual(rb.map((r) => r.raw));
      expect(ra[0]!.raw).toContain("OW\r\n");
      expect(ra.at(-1)!.raw).toContain("GETKEYSANDFLAGS <full-command>");
    });

  // LOLWUT's drawings are random past Schotter's second row (rand(), seeded per process in
  // Redis too) and in every skyline taller than one row: those are compared by shape.
  const lolwuts = [
    [],
    ["VERSION", "5", "66", "8", "2"],
    ["VERSION", "5", "7", "3", "2"],
    ["VERSION", "5", "1000", "200", "1"],
    ["VERSION", "5", "0", "0", "0"],
    ["version", "5", "33", "5", "2"],
    ["VERSION", "6", "1000", "1"],
    ["VERSION", "4294967301", "20", "3", "1"],
    ["VERSION", "-1"],
    ["VERSION", "x"],
    ["VERSION", "5", "x"],
    ["VERSION"],
    ["foo", "bar"],
  ];
  for (const proto of ["2", "3"])
    it(`LOLWUT, RESP${proto}`, async () => {
      const payload = cmd("HELLO", proto) + lolwuts.map((c) => cmd("LOLWUT", ...c)).join("");
      const [a, b] = await Promise.all([
        exchange(shoal.port, payload),
        exchange(redis.port, payload),
      ]);
      const [ra, rb] = [replies(a).slice(1), replies(b).slice(1)];
      expect(ra.map((r) => r.raw)).toEqual(rb.map((r) => r.raw));
      expect(ra[1]!.raw).toContain(
        "Georg Nees - schotter, plotter on paper, 1968. Redis ver. 7.0.15\n",
      );
    });

  it("LOLWUT's random drawings have Redis's shape", async () => {
    const shape = (text: string) => {
      const body = String(replies(text)[0]!.value);
      const lines = body.split("\n");
      return {
        lines: lines.length,
        widths: new Set(lines.slice(0, -3).map((l) => l.length)),
        tail: lines.slice(-3),
      };
    };
    for (const args of [
      ["VERSION", "5"],
      ["VERSION", "5", "100", "20", "30"],
      ["VERSION", "6", "40", "12"],
    ]) {
      const [a, b] = await Promise.all([
        exchange(shoal.port, cmd("LOLWUT", ...args)),
        exchange(redis.port, cmd("LOLWUT", ...args)),
      ]);
      expect(shape(a).lines).toBe(shape(b).lines);
      expect(shape(a).tail).toEqual(shape(b).tail);
      if (args[1] === "5") expect(shape(a).widths).toEqual(shape(b).widths);
    }
  });
});
