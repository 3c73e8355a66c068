// The replication stream's encoder: every way of handing it a command (argv of strings or
// Buffers, the decoder's bounds, owned arguments) gives the canonical RESP multibulk bytes.
import { CommandDecoder, DecodeResult, OwnedArgs } from "@shoal/resp-codec";
import { describe, expect, it } from "vitest";
import { encodeResp, StreamBuffer } from "./backlog.js";

function encoded(fill: (s: StreamBuffer) => void): Buffer {
  const s = new StreamBuffer();
  fill(s);
  return s.take();
}

describe("StreamBuffer", () => {
  // Short and long arguments (the two copy paths), bytes above 0x7f, empty ones, 1 to 5 args.
  const commands: string[][] = [];
  for (let t = 0; t < 120; t++) {
    const argv: string[] = [];
    for (let i = 0; i <= t % 5; i++)
      argv.push(
        "x".repeat((t * 7 + i * 13) % 40) +
          "\u00e9\u00ff".repeat(t % 3) +
          (t % 9 === 0 ? "k".repeat(200) : ""),
      );
    commands.push(argv);
  }

  it("command() and commandArgs() write the canonical multibulk", () => {
    for (const argv of commands) {
      const want = encodeResp(argv);
      const bufs = argv.map((a) => Buffer.from(a, "latin1"));
      expect(encoded((s) => s.command(argv))).toEqual(want);
      expect(encoded((s) => s.command(bufs))).toEqual(want);
      expect(encoded((s) => s.commandArgs(new OwnedArgs(bufs)))).toEqual(want);
      // From the decoder's read buffer, the command not at its start.
      const dec = new CommandDecoder();
      dec.feed(Buffer.concat([Buffer.from("*1\r\n$4\r\nPING\r\n"), want]));
      expect(dec.next()).toBe(DecodeResult.Command);
      expect(dec.next()).toBe(DecodeResult.Command);
      expect(encoded((s) => s.commandArgs(dec))).toEqual(want);
    }
  });

  it("an inline command is propagated as a multibulk", () => {
    const dec = new CommandDecoder();
    dec.feed(Buffer.from('set  k\t "v v"\r\n'));
    expect(dec.next()).toBe(DecodeResult.Command);
    expect(encoded((s) => s.commandArgs(dec))).toEqual(encodeResp(["set", "k", "v v"]));
  });

  it("returns the bytes it appended", () => {
    const s = new StreamBuffer();
    expect(s.command(["SELECT", "0"])).toBe(encodeResp(["SELECT", "0"]).length);
    expect(s.commandArgs(new OwnedArgs([Buffer.from("INCR"), Buffer.from("n")]))).toBe(
      encodeResp(["INCR", "n"]).length,
    );
    expect(s.length).toBe(encodeResp(["SELECT", "0"]).length + encodeResp(["INCR", "n"]).length);
  });
});
