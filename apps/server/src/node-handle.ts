// The server package's public face: a running node as a small handle (its port, run id, INFO,
// shutdown), not the Server class and its collaborators, which stay internal to src/ (tests
// import them from there). An embedder starts a node in its own process this way.
import { genInfoString } from "./commands/info.js";
import { runServer } from "./run.js";

export interface ShoalNode {
  /** The TCP port the node listens on. */
  readonly port: number;
  /** INFO server run_id. */
  readonly runId: string;
  /** The text INFO prints for these sections (none: the default sections). */
  info(...sections: string[]): string;
  /**
   * Shuts the node down as SHUTDOWN does (save as configured unless `save` says otherwise,
   * FORCE past a failed save) and ends the process, as redis-server does; resolves false when
   * the shutdown was refused (a required save failed).
   */
  close(opts?: { save?: boolean; force?: boolean }): Promise<boolean>;
}

/**
 * Starts a node from redis-server's command line (`[config-file] [--directive value ...]`), as
 * shoal-server does: config, logs, data loading, listening, signal handlers. Resolves once it
 * accepts connections; undefined when the arguments only asked for --version or --help.
 */
export async function startNode(argv: string[]): Promise<ShoalNode | undefined> {
  const server = await runServer(argv);
  if (server === undefined) return undefined;
  return {
    port: server.config.get<number>("port"),
    runId: server.runId,
    info: (...sections) =>
      genInfoString(
        server,
        sections.map((s) => s.toLowerCase()),
      ),
    close: async (o = {}) => {
      const request = server.onShutdownRequest;
      if (request === null) return server.shutdown({ save: o.save, force: o.force ?? false });
      return request({ save: o.save, force: o.force ?? false }, null);
    },
  };
}
