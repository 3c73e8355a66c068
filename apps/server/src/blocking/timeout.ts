// Blocked clients' timeouts: a timer per blocked client, fired at its deadline. Plays the part
// of handleBlockedClientsTimeout() in src/timeout.c (Redis 7.0), which walks a radix tree of
// deadlines each event-loop turn; here each blocked client has its own timer instead.
import type { BlockState, Client } from "../networking/client-connection.js";

/** The longest delay Node's setTimeout honours (larger ones fire after 1 ms). */
const MAX_TIMER_MS = 2_147_483_647;

/**
 * Calls `onTimeout` at the blocked client's deadline, unless it is no longer blocked in that
 * state by then. Node fires any delay above 2^31-1 ms at once, so a longer timeout (BLPOP k
 * 3000000 is legal) waits in steps of at most that.
 */
export function armBlockTimeout(client: Client, st: BlockState, onTimeout: () => void): void {
  const left = Math.max(0, st.deadline - Date.now());
  st.timer = setTimeout(
    () => {
      if (client.blocked !== st) return;
      if (Date.now() < st.deadline) return armBlockTimeout(client, st, onTimeout);
      onTimeout();
    },
    Math.min(left, MAX_TIMER_MS),
  );
}
