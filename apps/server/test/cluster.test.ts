// Cluster mode, formed by the real `redis-cli --cluster create`, compared with a real Redis
// 7.0.15 cluster formed the same way: redis-cli's check/info, CLUSTER reply shapes (RESP2 and
// RESP3), byte-exact errors, routing (MOVED, CROSSSLOT, EXECABORT, CROSSSLOT at EXEC), keyless
// commands served locally, PUBLISH across nodes, SPUBLISH within the shard, CLUSTERDOWN.
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import net from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import { keySlot } from "@shoal/slot-hash";
import {
  type ClusterHandle,
  clusterInfo,
  freeClusterPorts,
  redisCliPath,
  run,
  type ServerHandle,
  startCluster,
  waitFor,
} from "@shoal/test-utils";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { respShape } from "./cluster-helpers.js";
import { cmd, exchange, MAIN_JS, startShoal } from "./helpers.js";

let shoal: ClusterHandle;
let redis: ClusterHandle;

beforeAll(async () => {
  [shoal, redis] = await Promise.all([
    startCluster({ command: [process.execPath, MAIN_JS], nodeTimeout: 2000 }),
    startCluster({ nodeTimeout: 2000 }),
  ]);
}, 90_000);

afterAll(async () => {
  await Promise.all([shoal?.stop(), redis?.stop()]);
});

/** Node index (0..2) serving a slot: redis-cli gives node i the i-th third of the slots. */
const ownerIndex = (slot: number) => (slot <= 5460 ? 0 : slot <= 10922 ? 1 : 2);

/** Replaces each cluster's ports by their node index, so replies of both clusters compare. */
function normalize(text: string, ports: number[]): string {
  let out = text;
  ports.forEach((p, i) => {
    out = out.replaceAll(String(p), `<node${i}>`);
  });
  return out;
}

/** Same bytes to node `i` of both clusters; both replies, ports normalized. */
async function both(i: number, payload: string): Promise<[string, string]> {
  const [a, b] = await Promise.all([
    exchange(shoal.ports[i]!, payload),
    exchange(redis.ports[i]!, payload),
  ]);
  return [normalize(a, shoal.ports), normalize(b, redis.ports)];
}

describe("formed by redis-cli --cluster create", () => {
  it("redis-cli --cluster check and info report all 16384 slots covered", async () => {
    const check = await run(redisCliPath(), ["--cluster", "check", `127.0.0.1:${shoal.ports[1]}`]);
    expect(check.code).toBe(0);
    expect(check.stdout).toContain("[OK] All nodes agree about slots configuration.");
    expect(check.stdout).toContain("[OK] All 16384 slots covered.");
    expect(check.stdout).not.toMatch(/\[ERR\]|\[WARNING\]/);
    const info = await run(redisCliPath(), ["--cluster", "info", `127.0.0.1:${shoal.ports[0]}`]);
    expect(info.code).toBe(0);
    expect(info.stdout).toMatch(/\[OK\] \d+ keys in 3 masters\./);
    expect(info.stdout.match(/\| 546[12] slots \|/g)).toHaveLength(3);
  });

  it("CLUSTER INFO: Redis's fields in Redis's order, state ok on every node", async () => {
    for (const p of shoal.ports) {
      const info = await clusterInfo(p);
      expect(info.cluster_state).toBe("ok");
      expect(info.cluster_slots_assigned).toBe("16384");
      expect(info.cluster_slots_ok).toBe("16384");
      expect(info.cluster_known_nodes).toBe("3");
      expect(info.cluster_size).toBe("3");
    }
    const fields = async (port: number) =>
      Object.keys(await clusterInfo(port)).filter(
        (k) => !/_(sent|received)$/.test(k) || /messages_(sent|received)$/.test(k),
      );
    expect(await fields(shoal.ports[0]!)).toEqual(await fields(redis.ports[0]!));
    // INFO cluster
    const [a, b] = await both(0, cmd("INFO", "cluster"));
    expect(a).toBe(b);
  });
});

describe("CLUSTER replies", () => {
  it("SLOTS, SHARDS, LINKS, NODES, INFO, MYID have Redis 7.0's shapes in RESP2 and RESP3", async () => {
    for (const resp of ["2", "3"]) {
      const payload =
        cmd("HELLO", resp) +
        cmd("CLUSTER", "SLOTS") +
        cmd("CLUSTER", "SHARDS") +
        cmd("CLUSTER", "LINKS") +
        cmd("CLUSTER", "NODES") +
        cmd("CLUSTER", "INFO") +
        cmd("CLUSTER", "MYID");
      const [a, b] = await Promise.all([
        exchange(shoal.ports[0]!, payload),
        exchange(redis.ports[0]!, payload),
      ]);
      // Drop HELLO's reply (its map differs by server fields) by shape index.
      const sa = respShape(Buffer.from(a, "latin1")).split(" ").slice(1);
      const sb = respShape(Buffer.from(b, "latin1")).split(" ").slice(1);
      expect(sa).toEqual(sb);
    }
  });

  it("CLUSTER NODES and SLOTS agree on every node about ids, addresses and slots", async () => {
    const views = await Promise.all(
      shoal.ports.map(async (p) => {
        const text = await exchange(p, cmd("CLUSTER", "NODES"));
        return text
          .split("\n")
          .filter((l) => l.includes(":"))
          .map((l) => {
            const f = l
              .replace(/^\$\d+\r/, "")
              .trim()
              .split(" ");
            return `${f[0]} ${f[1]} ${f[2]!.replace("myself,", "")} ${f.slice(8).join(",")}`;
          })
          .sort();
      }),
    );
    expect(views[1]).toEqual(views[0]);
    expect(views[2]).toEqual(views[0]);
    expect(views[0]!.map((v) => v.split(" ")[3])).toEqual(
      expect.arrayContaining(["0-5460", "5461-10922", "10923-16383"]),
    );
  });

  it("byte-exact: HELP, KEYSLOT, COUNTKEYSINSLOT, GETKEYSINSLOT, arity and unknown subcommand errors", async () => {
    const payload =
      cmd("CLUSTER", "HELP") +
      cmd("CLUSTER", "KEYSLOT", "foo") +
      cmd("CLUSTER", "KEYSLOT", "{user1000}.following") +
      cmd("CLUSTER", "KEYSLOT") +
      cmd("CLUSTER") +
      cmd("CLUSTER", "FOO") +
      cmd("CLUSTER", "COUNTKEYSINSLOT", "16384") +
      cmd("CLUSTER", "COUNTKEYSINSLOT", "x") +
      cmd("CLUSTER", "COUNTKEYSINSLOT", "7") +
      cmd("CLUSTER", "GETKEYSINSLOT", "7", "-1") +
      cmd("CLUSTER", "GETKEYSINSLOT", "7", "x") +
      cmd("CLUSTER", "GETKEYSINSLOT", "7", "10") +
      cmd("CLUSTER", "ADDSLOTS", "0") +
      cmd("CLUSTER", "ADDSLOTS", "99999") +
      cmd("CLUSTER", "DELSLOTSRANGE", "10", "5") +
      cmd("CLUSTER", "FORGET", "0000000000000000000000000000000000000000") +
      cmd("CLUSTER", "MEET", "1.2.3", "7000") +
      cmd("CLUSTER", "SET-CONFIG-EPOCH", "5") +
      cmd("CLUSTER", "RESET", "MEDIUM") +
      cmd("READONLY") +
      cmd("READWRITE") +
      cmd("ASKING") +
      cmd("SELECT", "1") +
      cmd("SELECT", "0") +
      cmd("DBSIZE") +
      cmd("PING");
    const [a, b] = await both(0, payload);
    expect(a).toBe(b);
  });

  it("COMMAND INFO describes READONLY, READWRITE and ASKING as Redis does", async () => {
    const [a, b] = await both(0, cmd("COMMAND", "INFO", "readonly", "readwrite", "asking"));
    expect(a).toBe(b);
  });
});

/** Two channel names in different slots, both served by node 0. */
function twoLocalNames(): [string, string] {
  const names: string[] = [];
  for (let i = 0; names.length < 2; i++) {
    const n = `ch${i}`;
    if (ownerIndex(keySlot(n)) === 0) names.push(n);
  }
  return [names[0]!, names[1]!];
}

describe("routing", () => {
  it("MOVED to the owner, CROSSSLOT, keyless commands served locally — as Redis words them", async () => {
    const remote = "foo"; // slot 12182: node 2
    expect(ownerIndex(keySlot(remote))).toBe(2);
    const payload =
      cmd("WATCH", remote) +
      cmd("WATCH", "{a}1", "{b}1") +
      cmd("UNWATCH") +
      cmd("SPUBLISH", remote, "x") +
      cmd("SSUBSCRIBE", "x", "y") +
      cmd("PUBLISH", remote, "x") +
      cmd("ECHO", "keyless") +
      cmd("CLUSTER", "KEYSLOT", remote);
    const [a, b] = await both(0, payload);
    expect(a).toContain("-MOVED 12182 127.0.0.1:<node2>\r\n");
    expect(a).toContain("-CROSSSLOT Keys in request don't hash to the same slot\r\n");
    expect(a).toBe(b);
  });

  it("MULTI/EXEC: a misrouted command aborts the transaction; keys of two slots fail at EXEC", async () => {
    const [x, y] = twoLocalNames();
    const payload =
      cmd("MULTI") +
      cmd("SPUBLISH", "foo", "m") +
      cmd("EXEC") +
      cmd("MULTI") +
      cmd("SPUBLISH", x, "m") +
      cmd("SPUBLISH", y, "m") +
      cmd("EXEC") +
      cmd("EXEC") +
      cmd("MULTI") +
      cmd("SPUBLISH", x, "m") +
      cmd("SPUBLISH", x, "n") +
      cmd("EXEC");
    const [a, b] = await both(0, payload);
    expect(a).toContain("-EXECABORT Transaction discarded because of previous errors.\r\n");
    expect(a).toBe(b);
  });

  it("geo STORE/STOREDIST keys are routed with the source (key specs): CROSSSLOT, MOVED", async () => {
    const [x, y] = twoLocalNames();
    const src = `{${x}}src`;
    const dst = `{${x}}dst`;
    const search = ["15", "37", "200", "km"];
    const payload =
      cmd("GEOADD", src, "13.361389", "38.115556", "Palermo", "15.087269", "37.502669", "Catania") +
      cmd("GEORADIUS", src, ...search, "STORE", dst) +
      cmd("GEORADIUS", src, ...search, "STORE", y) +
      cmd("GEORADIUS", src, ...search, "ASC", "STOREDIST", y) +
      cmd("GEORADIUSBYMEMBER", src, "Palermo", "200", "km", "STORE", y) +
      cmd("GEORADIUS_RO", src, ...search, "STORE", y) +
      cmd("GEOSEARCHSTORE", y, src, "FROMLONLAT", "15", "37", "BYRADIUS", "200", "km") +
      cmd(
        "GEOSEARCHSTORE",
        dst,
        src,
        "FROMLONLAT",
        "15",
        "37",
        "BYRADIUS",
        "200",
        "km",
        "STOREDIST",
      ) +
      cmd("ZRANGE", dst, "0", "-1", "WITHSCORES") +
      cmd("GEORADIUS", "{foo}a", "0", "0", "1", "km", "STORE", "{foo}b") +
      cmd("DEL", src, dst);
    const [a, b] = await both(0, payload);
    expect(a).toContain("-CROSSSLOT Keys in request don't hash to the same slot\r\n");
    expect(a).toContain("-MOVED ");
    expect(a).toContain("*4\r\n$7\r\nCatania\r\n"); // the STOREDIST result, read back
    expect(a).toBe(b);
  });

  it("open slots: ASK from the migrating node, ASKING at the importing one, TRYAGAIN for several missing keys", async () => {
    const key = twoLocalNames()[0]; // served by node 0
    const slot = String(keySlot(key));
    const scenario = async (c: ClusterHandle): Promise<string> => {
      const id = async (i: number) =>
        (await exchange(c.ports[i]!, cmd("CLUSTER", "MYID"))).split("\r\n")[1]!;
      const [id0, id1] = [await id(0), await id(1)];
      let out = "";
      out += await exchange(c.ports[1]!, cmd("CLUSTER", "SETSLOT", slot, "IMPORTING", id0));
      out += await exchange(c.ports[0]!, cmd("CLUSTER", "SETSLOT", slot, "MIGRATING", id1));
      out += await exchange(
        c.ports[0]!,
        cmd("WATCH", key) + cmd("WATCH", `{${key}}a`, `{${key}}b`) + cmd("UNWATCH"),
      );
      out += await exchange(
        c.ports[1]!,
        cmd("WATCH", key) +
          cmd("ASKING") +
          cmd("WATCH", key) +
          cmd("UNWATCH") +
          cmd("WATCH", key) +
          cmd("ASKING") +
          cmd("WATCH", `{${key}}a`, `{${key}}b`),
      );
      out += await exchange(c.ports[0]!, cmd("CLUSTER", "SETSLOT", slot, "STABLE"));
      out += await exchange(c.ports[1]!, cmd("CLUSTER", "SETSLOT", slot, "STABLE"));
      return normalize(out, c.ports);
    };
    const [a, b] = await Promise.all([scenario(shoal), scenario(redis)]);
    expect(a).toContain(`-ASK ${slot} 127.0.0.1:<node1>`);
    expect(a).toContain("-TRYAGAIN Multiple keys request during rehashing of slot");
    expect(a).toBe(b);
  });

  it("with keys: COUNTKEYSINSLOT, GETKEYSINSLOT, ASK/TRYAGAIN by present keys, RESET/FLUSHSLOTS refused", async () => {
    const key = twoLocalNames()[0];
    const slot = String(keySlot(key));
    const scenario = async (c: ClusterHandle): Promise<string> => {
      const id1 = (await exchange(c.ports[1]!, cmd("CLUSTER", "MYID"))).split("\r\n")[1]!;
      let out = await exchange(
        c.ports[0]!,
        cmd("SET", key, "v") +
          cmd("SET", `{${key}}x`, "w") +
          cmd("CLUSTER", "COUNTKEYSINSLOT", slot) +
          cmd("CLUSTER", "COUNTKEYSINSLOT", String(keySlot(`{${key}}x`))) +
          cmd("CLUSTER", "RESET") +
          cmd("CLUSTER", "FLUSHSLOTS") +
          cmd("CLUSTER", "SETSLOT", slot, "MIGRATING", id1) +
          cmd("GET", key) +
          cmd("GET", `{${key}}missing`) +
          cmd("MGET", key, `{${key}}missing`) +
          cmd("CLUSTER", "SETSLOT", slot, "STABLE") +
          cmd("DEL", key) +
          cmd("DEL", `{${key}}x`) +
          cmd("CLUSTER", "GETKEYSINSLOT", slot, "10") +
          cmd("MOVE", key, "1") +
          cmd("SWAPDB", "0", "1") +
          cmd("COPY", key, `{${key}}c`, "DB", "1") +
          cmd("COPY", key, `{${key}}c`, "DB", "0"),
      );
      out = normalize(out, c.ports);
      return out;
    };
    const [a, b] = await Promise.all([scenario(shoal), scenario(redis)]);
    expect(a).toContain("-TRYAGAIN");
    expect(a).toBe(b);
  });

  it("PUBLISH reaches subscribers on every node; SPUBLISH only its shard's", async () => {
    const subscribe = (port: number, command: string, channel: string) =>
      new Promise<{ sock: net.Socket; got: () => string }>((resolve, reject) => {
        const sock = net.connect({ port, host: "127.0.0.1" });
        let data = "";
        sock.on("data", (d) => {
          data += d.toString("latin1");
          if (data.includes(channel)) resolve({ sock, got: () => data });
        });
        sock.on("error", reject);
        sock.write(cmd(command, channel));
      });
    const shardCh = "foo"; // served by node 2
    const subs = await Promise.all([
      subscribe(shoal.ports[0]!, "SUBSCRIBE", "news"),
      subscribe(shoal.ports[1]!, "SUBSCRIBE", "news"),
      subscribe(shoal.ports[2]!, "SUBSCRIBE", "news"),
      subscribe(shoal.ports[2]!, "SSUBSCRIBE", shardCh),
    ]);
    try {
      expect(await exchange(shoal.ports[1]!, cmd("PUBLISH", "news", "hello"))).toBe(":1\r\n");
      expect(await exchange(shoal.ports[2]!, cmd("SPUBLISH", shardCh, "sharded"))).toBe(":1\r\n");
      await waitFor(() => subs.slice(0, 3).every((s) => s.got().includes("hello")), {
        timeout: 10_000,
        what: "PUBLISH on every node",
      });
      await waitFor(() => subs[3]!.got().includes("$7\r\nsharded\r\n"), {
        timeout: 10_000,
        what: "the SPUBLISH message",
      });
    } finally {
      for (const s of subs) s.sock.destroy();
    }
  });
});

describe("a node without slots", () => {
  let lone: ServerHandle;
  beforeAll(async () => {
    lone = await startShoal(["--cluster-enabled", "yes", "--cluster-node-timeout", "2000"]);
  });
  afterAll(async () => {
    await lone?.stop();
  });

  it("answers CLUSTERDOWN for keys, serves keyless commands, reports cluster_state:fail", async () => {
    const out = await exchange(
      lone.port,
      cmd("WATCH", "foo") +
        cmd("PING") +
        cmd("CLUSTER", "COUNTKEYSINSLOT", "1") +
        cmd("SELECT", "3"),
    );
    expect(out).toBe(
      "-CLUSTERDOWN Hash slot not served\r\n+PONG\r\n:0\r\n-ERR SELECT is not allowed in cluster mode\r\n",
    );
    const info = await clusterInfo(lone.port);
    expect(info.cluster_state).toBe("fail");
    expect(info.cluster_known_nodes).toBe("1");
    expect(await exchange(lone.port, cmd("INFO", "cluster"))).toContain("cluster_enabled:1");
  });

  it("a second node on the same nodes.conf refuses to start", async () => {
    const [port] = await freeClusterPorts(1);
    const r = await run(
      process.execPath,
      [MAIN_JS, "--port", String(port), "--cluster-enabled", "yes", "--dir", lone.dir],
      { timeout: 20_000 },
    );
    expect(r.code).toBe(1);
    expect(r.stdout).toContain(
      "Sorry, the cluster configuration file nodes.conf is already used by a different Redis Cluster node.",
    );
    expect(await exchange(lone.port, cmd("PING"))).toBe("+PONG\r\n");
  });

  it("a corrupted nodes.conf stops the start with Redis's message", async () => {
    const [port] = await freeClusterPorts(1);
    const dir = await mkdtemp(path.join(tmpdir(), "shoal-badconf-"));
    try {
      await writeFile(path.join(dir, "nodes.conf"), "this is not a nodes.conf\n");
      const r = await run(
        process.execPath,
        [MAIN_JS, "--port", String(port), "--cluster-enabled", "yes", "--dir", dir],
        { timeout: 20_000 },
      );
      expect(r.code).toBe(1);
      expect(r.stdout).toContain("Unrecoverable error: corrupted cluster config file");
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it("standalone mode refuses CLUSTER and READONLY as Redis does", async () => {
    const s = await startShoal();
    try {
      expect(await exchange(s.port, cmd("CLUSTER", "INFO") + cmd("READONLY") + cmd("ASKING"))).toBe(
        "-ERR This instance has cluster support disabled\r\n".repeat(3),
      );
    } finally {
      await s.stop();
    }
  });
});

// Last: it leaves an announced hostname on node 2 of both clusters.
describe("announced hostnames", () => {
  it("cluster-announce-hostname and cluster-preferred-endpoint-type hostname: MOVED, SLOTS, SHARDS as Redis", async () => {
    const ids = /[0-9a-f]{40}/g;
    const scenario = async (c: ClusterHandle): Promise<string> => {
      await exchange(c.ports[2]!, cmd("CONFIG", "SET", "cluster-announce-hostname", "node-two"));
      await exchange(
        c.ports[0]!,
        cmd("CONFIG", "SET", "cluster-preferred-endpoint-type", "hostname"),
      );
      await waitFor(
        async () => (await exchange(c.ports[0]!, cmd("CLUSTER", "NODES"))).includes(",node-two "),
        { timeout: 10_000, what: "the hostname to spread" },
      );
      const out = await exchange(
        c.ports[0]!,
        cmd("WATCH", "foo") + cmd("CLUSTER", "SLOTS") + cmd("HELLO", "3") + cmd("CLUSTER", "SLOTS"),
      );
      await exchange(c.ports[0]!, cmd("CONFIG", "SET", "cluster-preferred-endpoint-type", "ip"));
      // HELLO's map differs between servers; the rest must match.
      return normalize(out, c.ports)
        .replace(ids, "<id>")
        .replace(/%7\r\n[\s\S]*?\*0\r\n/, "<hello>");
    };
    const [a, b] = await Promise.all([scenario(shoal), scenario(redis)]);
    expect(a).toContain("-MOVED 12182 node-two:<node2>\r\n");
    expect(a).toBe(b);
  });
});
