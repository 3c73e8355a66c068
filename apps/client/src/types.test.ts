// Type-level checks of the generated command methods (checked by tsc; trivially true at runtime).
import { describe, expectTypeOf, it } from "vitest";
import type { ClusterClient } from "./cluster-client.js";
import type { PipelineResult } from "./pipeline.js";

describe("typed command methods", () => {
  it("derive argument and reply types from the command table", () => {
    type S = ClusterClient<string>;
    type B = ClusterClient<Buffer>;
    expectTypeOf<S["get"]>().returns.toEqualTypeOf<Promise<string | null>>();
    expectTypeOf<B["get"]>().returns.toEqualTypeOf<Promise<Buffer | null>>();
    expectTypeOf<S["mget"]>().returns.toEqualTypeOf<Promise<(string | null)[]>>();
    expectTypeOf<S["hgetall"]>().returns.toEqualTypeOf<Promise<Record<string, string>>>();
    expectTypeOf<S["incr"]>().returns.toEqualTypeOf<Promise<number>>();
    expectTypeOf<S["incr"]>().parameters.toEqualTypeOf<[key: string | Buffer]>();
    expectTypeOf<S["scan"]>().returns.toEqualTypeOf<Promise<[cursor: string, items: string[]]>>();
    expectTypeOf<ReturnType<ReturnType<S["pipeline"]>["exec"]>>().toEqualTypeOf<
      Promise<PipelineResult>
    >();
  });
});
