// Glue between one gossip-failover state machine and any cluster-bus Transport: transport events
// become inputs, effects become transport calls. This is the loop a server runs (plus its own
// handling of saveConfig, logs, state changes and publish). Effects run through applyEffects
// (effects.ts), as the simulator's nodes run theirs.
import type { Transport } from "@shoal/cluster-bus";
import {
  type ClusterState,
  clusterCommand,
  type Effect,
  type Input,
  type Reply,
} from "@shoal/gossip-failover";
import { applyEffects, type EffectHandlers } from "./effects.js";

export interface DriverHooks {
  /** Persist nodes.conf; must complete before the following effects run. */
  save?(text: string, fsync: boolean): void;
  log?(level: string, message: string): void;
  other?(effect: Effect): void;
}

export class NodeDriver {
  private timer: NodeJS.Timeout | null = null;
  private readonly handlers: EffectHandlers;

  constructor(
    public state: ClusterState,
    readonly transport: Transport,
    readonly hooks: DriverHooks = {},
  ) {
    const other = (e: Effect) => hooks.other?.(e);
    this.handlers = {
      saveConfig: (e) => hooks.save?.(e.text, e.fsync),
      log: (e) => hooks.log?.(e.level, e.message),
      stateChanged: other,
      deleteKeysInSlots: other,
      replicate: other,
      promote: other,
      pauseWrites: other,
      unpauseWrites: other,
      publish: other,
    };
    transport.setHandler({
      linkUp: (l) =>
        this.input({ type: "linkUp", link: l.id, localIp: l.localIp, peerIp: l.peerIp }),
      linkAccepted: (l) =>
        this.input({ type: "linkAccepted", link: l.id, localIp: l.localIp, peerIp: l.peerIp }),
      message: (link, msg) => this.input({ type: "message", link, msg }),
      linkDown: (link) => this.input({ type: "linkDown", link }),
    });
  }

  input(input: Input): void {
    this.apply(this.state.handle(input));
  }

  /** Starts clusterCron every 100 ms (real time). */
  startCron(periodMs = 100): void {
    this.timer ??= setInterval(() => this.input({ type: "tick" }), periodMs);
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
  }

  command(...argv: string[]): Reply {
    const { reply, effects } = clusterCommand(this.state, argv, {
      dbEmpty: true,
      messageStats: this.transport.counters.infoFields(),
      linksBufferLimitExceeded: this.transport.counters.linksBufferLimitExceeded,
    });
    this.apply(effects);
    return reply;
  }

  apply(effects: Effect[]): void {
    applyEffects(effects, this.transport, this.handlers);
  }
}
