// client-output-buffer-limit: whether a connection's pending output is over its class's limits,
// as Redis 7.0's checkClientOutputBufferLimits() judges it (src/networking.c). Over the hard limit
// is over at once; over the soft limit is over once it has stayed there for more than the soft
// seconds, counted in whole unix seconds from the first time it was seen there (so a soft limit
// of 0 seconds still lets a burst through until the clock's second turns). Client connections
// (networking.ts) and replicas (replication/replicas.ts) both ask here and log Redis's line.
import type { OutputLimitClass } from "../config/directives.js";

/** Where a connection keeps the time (unix seconds) it went over the soft limit; 0: under it. */
export interface SoftLimitClock {
  softLimitSince: number;
}

/** True when `used` output bytes break `limits`; updates the soft-limit clock in `state`. */
export function outputLimitReached(
  limits: OutputLimitClass,
  used: number,
  state: SoftLimitClock,
): boolean {
  const hard = limits.hard > 0 && used >= limits.hard;
  if (!(limits.soft > 0 && used >= limits.soft)) {
    state.softLimitSince = 0;
    return hard;
  }
  // The clock is read only here: this runs on every flush.
  const now = Math.floor(Date.now() / 1000);
  if (state.softLimitSince === 0) {
    state.softLimitSince = now;
    return hard;
  }
  return hard || now - state.softLimitSince > limits.softSeconds;
}

/** True when the class has a limit at all (normal's default has none). */
export function hasOutputLimit(limits: OutputLimitClass): boolean {
  return limits.hard > 0 || limits.soft > 0;
}

/** closeClientOnOutputBufferLimitReached's log line for an asynchronous close. */
export function outputLimitLogLine(clientInfo: string): string {
  return `Client ${clientInfo} scheduled to be closed ASAP for overcoming of output buffer limits.`;
}
