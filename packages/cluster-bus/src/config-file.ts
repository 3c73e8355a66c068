// Atomic nodes.conf persistence: the I/O half of clusterSaveConfig() in src/cluster_legacy.c
// (Redis 7.0). The text comes from gossip-failover; this writes it to `<file>.tmp-<pid>-<ms>`,
// optionally fsyncs, renames it over the original and fsyncs the directory, so a crash leaves
// either the old or the new file, never a torn one.
import {
  closeSync,
  fsyncSync,
  openSync,
  readFileSync,
  renameSync,
  unlinkSync,
  writeSync,
} from "node:fs";
import path from "node:path";

/** Writes `text` to `file` atomically (temp file, optional fsync, rename, directory fsync). */
export function writeConfigFileAtomic(file: string, text: string, fsync = true): void {
  const tmp = `${file}.tmp-${process.pid}-${Date.now()}`;
  const fd = openSync(tmp, "w", 0o644);
  try {
    const buf = Buffer.from(text, "utf8");
    let off = 0;
    while (off < buf.length) off += writeSync(fd, buf, off, buf.length - off);
    if (fsync) fsyncSync(fd);
  } catch (err) {
    closeSync(fd);
    try {
      unlinkSync(tmp);
    } catch {}
    throw err;
  }
  closeSync(fd);
  renameSync(tmp, file);
  if (fsync) {
    try {
      const dfd = openSync(path.dirname(path.resolve(file)), "r");
      try {
        fsyncSync(dfd);
      } finally {
        closeSync(dfd);
      }
    } catch {
      // Some filesystems refuse fsync on directories; the rename is still atomic.
    }
  }
}

/** The file's text, or null when it is missing or empty (Redis then creates a fresh identity). */
export function readConfigFile(file: string): string | null {
  try {
    const text = readFileSync(file, "utf8");
    return text.length === 0 ? null : text;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT") return null;
    throw err;
  }
}
