import { describe, expect, it } from "vitest";
import { latin1String, SHORT_LATIN1 } from "./latin1-string.js";
import type { NodeBuffer } from "./node-buffer.js";

describe("latin1String", () => {
  it("equals latin1Slice for every length around the short limit and every byte value", () => {
    const bytes = Buffer.alloc(512) as NodeBuffer;
    for (let i = 0; i < bytes.length; i++) bytes[i] = (i * 7 + 3) & 0xff;
    for (let n = 0; n <= SHORT_LATIN1 + 8; n++) {
      for (const start of [0, 1, 255, 512 - n]) {
        const s = latin1String(bytes, start, start + n);
        expect(s).toBe(bytes.latin1Slice(start, start + n));
        expect(s.length).toBe(n);
      }
    }
    const all = Buffer.from(Array.from({ length: 256 }, (_, i) => i)) as NodeBuffer;
    for (let i = 0; i + SHORT_LATIN1 <= 256; i++)
      expect(latin1String(all, i, i + SHORT_LATIN1)).toBe(all.latin1Slice(i, i + SHORT_LATIN1));
  });
});
