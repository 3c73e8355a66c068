// Script flags from a `#!lua flags=...` first line (eval.c evalExtractShebangFlags, Redis 7.0).
// A script without a shebang runs in EVAL compatibility mode: it may write, touch keys of any slot
// it can reach locally, and runs whatever the server's state; a shebang turns that off and its
// flags opt back in.

export const ScriptFlag = {
  NoWrites: 1,
  AllowOom: 2,
  AllowStale: 4,
  NoCluster: 8,
  EvalCompatMode: 16,
  AllowCrossSlot: 32,
} as const;

const NAMES: Record<string, number> = {
  "no-writes": ScriptFlag.NoWrites,
  "allow-oom": ScriptFlag.AllowOom,
  "allow-stale": ScriptFlag.AllowStale,
  "no-cluster": ScriptFlag.NoCluster,
  "allow-cross-slot-keys": ScriptFlag.AllowCrossSlot,
};

export interface Shebang {
  flags: number;
  /** Bytes of the shebang line before its newline (the body compiles from the newline on). */
  length: number;
}

/** The flags, or Redis's error text (without the "ERR " Redis adds). */
export function parseShebang(body: Buffer): Shebang | { error: string } {
  if (body.length < 2 || body[0] !== 0x23 || body[1] !== 0x21) {
    return { flags: ScriptFlag.EvalCompatMode, length: 0 };
  }
  const end = body.indexOf(0x0a);
  if (end < 0) return { error: "Invalid script shebang" };
  // sdssplitargs on the line: plain words are all a valid shebang holds.
  const parts = body
    .toString("latin1", 0, end)
    .split(/[ \t\r\v\f]+/)
    .filter((p) => p !== "");
  if (parts.length === 0) return { error: "Invalid engine in script shebang" };
  if (parts[0] !== "#!lua") return { error: `Unexpected engine in script shebang: ${parts[0]}` };
  let flags = 0;
  for (const part of parts.slice(1)) {
    if (!part.startsWith("flags=")) return { error: `Unknown lua shebang option: ${part}` };
    const list = part.slice(6);
    // sdssplitlen of an empty string gives no elements: "flags=" alone sets none.
    if (list === "") continue;
    for (const f of list.split(",")) {
      const bit = NAMES[f];
      if (bit === undefined) return { error: `Unexpected flag in script shebang: ${f}` };
      flags |= bit;
    }
  }
  return { flags, length: end };
}
