// The one interpreter of gossip-failover's effects in the tooling: the link effects (send,
// connect, close) become calls on a cluster-bus Transport, every other kind goes to the handler
// registered for it. NodeDriver (a node on a real transport) and the simulator's SimNode (on the
// memory network, hashing every effect into the trace) both run their batches through here.
import type { Transport } from "@shoal/cluster-bus";
import type { Effect } from "@shoal/gossip-failover";

/** One effect kind, narrowed by its `type`. */
export type EffectOf<K extends Effect["type"]> = Extract<Effect, { type: K }>;

/** What to do for the effects that are not link calls; a kind without a handler is skipped. */
export type EffectHandlers = {
  [K in Exclude<Effect["type"], "send" | "connect" | "close">]?: (effect: EffectOf<K>) => void;
} & {
  /** Runs first for every effect of a batch, link effects included, in order. */
  each?: (effect: Effect) => void;
};

/** The transport calls the link effects turn into. */
export type EffectTransport = Pick<Transport, "send" | "connect" | "close">;

/** Runs one batch in order: what a node does with the effects of one input. */
export function applyEffects(
  effects: readonly Effect[],
  transport: EffectTransport,
  handlers: EffectHandlers,
): void {
  const each = handlers.each;
  for (const e of effects) {
    each?.(e);
    switch (e.type) {
      case "send":
        transport.send(e.link, e.msg);
        break;
      case "connect":
        transport.connect(e.link, e.host, e.port);
        break;
      case "close":
        transport.close(e.link);
        break;
      default:
        (handlers[e.type] as ((effect: Effect) => void) | undefined)?.(e);
    }
  }
}
