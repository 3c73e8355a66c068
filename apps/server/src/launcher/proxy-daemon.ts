// Entry of the fault proxy process (`node dist/fault-proxy.js <cluster dir>`), started detached
// by proxy-control.ts: reads the layout from <dir>/cluster.json, listens on every node's
// announced ports, and takes partition/heal requests on the control socket until told to stop.
import fs from "node:fs";
import net from "node:net";
import { FaultProxy } from "./fault-proxy.js";
import { proxiedNodes, readLayout } from "./local-cluster.js";
import {
  controlPath,
  type ProxyRequest,
  type ProxyResponse,
  proxyPidFile,
} from "./proxy-control.js";

const log = (line: string) =>
  process.stdout.write(`${process.pid}:P ${new Date().toISOString()} ${line}\n`);

async function main(dir: string): Promise<void> {
  const layout = readLayout(dir);
  if (layout === null) throw new Error(`no cluster.json in ${dir}`);
  const proxy = new FaultProxy(layout.host, proxiedNodes(layout));
  await proxy.listen();
  const sockPath = controlPath(dir);
  fs.rmSync(sockPath, { force: true });
  const control = net.createServer((sock) => {
    let buf = "";
    sock.on("error", () => sock.destroy());
    sock.on("data", (d: Buffer) => {
      buf += d.toString("utf8");
      const nl = buf.indexOf("\n");
      if (nl < 0) return;
      const req = JSON.parse(buf.slice(0, nl)) as ProxyRequest;
      buf = "";
      let res: ProxyResponse;
      try {
        if (req.op === "partition") {
          proxy.partition(req.groups);
          log(`partition ${req.groups.map((g) => g.join(",")).join(" | ")}`);
        } else if (req.op === "heal") {
          proxy.heal();
          log("heal");
        }
        res = { ok: true, status: proxy.status() };
      } catch (err) {
        res = { ok: false, error: (err as Error).message };
      }
      sock.end(`${JSON.stringify(res)}\n`);
      if (req.op === "stop") {
        log("stopping");
        void proxy.close().then(() => {
          control.close();
          fs.rmSync(proxyPidFile(dir), { force: true });
          process.exit(0);
        });
      }
    });
  });
  await new Promise<void>((resolve, reject) => {
    control.once("error", reject);
    control.listen(sockPath, () => resolve());
  });
  fs.writeFileSync(proxyPidFile(dir), `${process.pid}\n`);
  log(`fault proxy ready for ${layout.masters * (1 + layout.replicas)} nodes, control ${sockPath}`);
  const bye = () => {
    fs.rmSync(sockPath, { force: true });
    fs.rmSync(proxyPidFile(dir), { force: true });
    process.exit(0);
  };
  process.on("SIGTERM", bye);
  process.on("SIGINT", bye);
}

main(process.argv[2] ?? ".").catch((err: unknown) => {
  log(`fault proxy failed: ${(err as Error).message}`);
  process.exit(1);
});
