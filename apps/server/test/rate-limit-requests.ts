// express-rate-limit's middleware run without an HTTP server, for the rate-limit-redis tests
// (standalone in scripting-libraries.test.ts, on a cluster in scripting-cluster.test.ts): 3
// requests a minute per client key, a request being the middleware called with that key.
import { rateLimit, type Store } from "express-rate-limit";

/** A function that sends one request as client `user` and says whether it passed. */
export function rateLimitedRequests(store: Store): (user: string) => Promise<"ok" | "limited"> {
  const limiter = rateLimit({
    windowMs: 60_000,
    limit: 3,
    standardHeaders: false,
    legacyHeaders: false,
    validate: false,
    store,
    keyGenerator: (req) => (req as unknown as { user: string }).user,
    handler: (_req, res) => {
      (res as unknown as { refused: boolean }).refused = true;
    },
  });
  return async (user: string) => {
    const res = { refused: false, writableEnded: false, headersSent: false, on: () => res };
    let passed = false;
    await limiter({ user } as never, res as never, () => {
      passed = true;
    });
    return passed && !res.refused ? "ok" : "limited";
  };
}
