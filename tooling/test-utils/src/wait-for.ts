// Polling helpers for process-level tests: wait for a condition instead of sleeping a guessed
// amount, and fail with the last error seen so a timeout explains itself.

export interface WaitForOptions {
  /** Give up after this many milliseconds (default 10 000). */
  timeout?: number;
  /** Poll period in milliseconds (default 50). */
  interval?: number;
  /** Shown in the timeout error. */
  what?: string;
}

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Resolves with the first truthy value `cond` returns; retries while it returns falsy or throws. */
export async function waitFor<T>(
  cond: () => T | Promise<T>,
  opts: WaitForOptions = {},
): Promise<NonNullable<T>> {
  const timeout = opts.timeout ?? 10_000;
  const interval = opts.interval ?? 50;
  const deadline = Date.now() + timeout;
  let lastError: unknown;
  for (;;) {
    try {
      const v = await cond();
      if (v) return v as NonNullable<T>;
    } catch (err) {
      lastError = err;
    }
    if (Date.now() > deadline) {
      const why = lastError instanceof Error ? `: ${lastError.message}` : "";
      throw new Error(
        `timed out after ${timeout} ms waiting for ${opts.what ?? "condition"}${why}`,
        {
          cause: lastError,
        },
      );
    }
    await sleep(interval);
  }
}
