import { createHash } from "node:crypto";
import { describe, expect, it } from "vitest";
import { sha1Into } from "./sha1.js";

const native = (b: Uint8Array) => createHash("sha1").update(b).digest();

describe("sha1Into", () => {
  it("equals OpenSSL's SHA-1 for every length across the padding and native boundaries", () => {
    const data = Buffer.alloc(2100);
    for (let i = 0; i < data.length; i++) data[i] = (i * 131 + 7) & 0xff;
    const out = Buffer.alloc(24);
    for (let len = 0; len <= 2100; len += len < 200 ? 1 : 37) {
      for (const start of [0, 3]) {
        const slice = data.subarray(start, Math.min(data.length, start + len));
        sha1Into(data, start, start + slice.length, out, 2);
        expect(out.subarray(2, 22).toString("hex"), `length ${slice.length}`).toBe(
          native(slice).toString("hex"),
        );
      }
    }
    // The known vector, and a digest hashed in place (DEBUG DIGEST's mixDigest).
    sha1Into(Buffer.from("abc"), 0, 3, out);
    expect(out.subarray(0, 20).toString("hex")).toBe("a9993e364706816aba3e25717850c26c9cd0d89d");
    const d = Buffer.from(out.subarray(0, 20));
    sha1Into(d, 0, 20, d);
    expect(d.toString("hex")).toBe(native(out.subarray(0, 20)).toString("hex"));
  });
});
