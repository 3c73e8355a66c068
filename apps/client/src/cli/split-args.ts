// Splits an interactive input line into arguments the way redis-cli's prompt does: its
// cliSplitArgs() is sdssplitargs() (src/sds.c) on the bytes typed, which is resp-codec's
// splitArgs. The line arrives as text, so its bytes are its UTF-8. Returns undefined for
// unbalanced quotes (redis-cli prints "Invalid argument(s)"). redis-cli's one variant, the
// two-word split of `eval`/`e` lines in --ldb mode, has no counterpart here (no --ldb).
import { splitArgs as sdssplitargs } from "@shoal/resp-codec";

export function splitArgs(line: string): Buffer[] | undefined {
  return sdssplitargs(Buffer.from(line, "utf8")) ?? undefined;
}
