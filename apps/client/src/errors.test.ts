import { describe, expect, it } from "vitest";
import {
  AskError,
  ClusterDownError,
  CrossSlotError,
  ExecAbortError,
  MovedError,
  ReplyError,
  TryAgainError,
  toReplyError,
} from "./errors.js";

describe("error replies", () => {
  it("parse MOVED and ASK (host split at the last colon)", () => {
    const moved = toReplyError("MOVED 3999 127.0.0.1:6381");
    expect(moved).toBeInstanceOf(MovedError);
    expect(moved).toMatchObject({
      name: "MovedError",
      code: "MOVED",
      slot: 3999,
      host: "127.0.0.1",
      port: 6381,
    });
    const ask = toReplyError("ASK 2724 ::1:7101");
    expect(ask).toBeInstanceOf(AskError);
    expect(ask).toMatchObject({ slot: 2724, host: "::1", port: 7101 });
    // An empty host (Redis 7.2 unknown endpoint) is kept empty: the caller uses the node it asked.
    expect(toReplyError("MOVED 1 :7000")).toMatchObject({ host: "", port: 7000 });
  });

  it("keep malformed redirects as plain ReplyError", () => {
    const e = toReplyError("MOVED 99999 h:1");
    expect(e).toBeInstanceOf(ReplyError);
    expect(e).not.toBeInstanceOf(MovedError);
  });

  it("map cluster states to classes and keep Redis's text", () => {
    expect(toReplyError("TRYAGAIN Multiple keys request during rehashing of slot")).toBeInstanceOf(
      TryAgainError,
    );
    expect(toReplyError("CLUSTERDOWN The cluster is down")).toBeInstanceOf(ClusterDownError);
    expect(toReplyError("CROSSSLOT Keys in request don't hash to the same slot")).toBeInstanceOf(
      CrossSlotError,
    );
    expect(
      toReplyError("EXECABORT Transaction discarded because of previous errors."),
    ).toBeInstanceOf(ExecAbortError);
    const e = toReplyError("WRONGTYPE Operation against a key holding the wrong kind of value");
    expect(e).toMatchObject({ name: "ReplyError", code: "WRONGTYPE" });
    expect(toReplyError("ERR")).toMatchObject({ code: "ERR", message: "ERR" });
  });
});
