// The file names a config path stands for, as loadServerConfig (config.c, Redis 7.0) reads them:
// a path with a wildcard (* ? [) is expanded with glob(3) and may match nothing (an empty conf.d
// is fine), a plain path names one file that must open. glob(3) with no flags: one directory
// level per path component, names starting with '.' only for a pattern that starts with '.',
// matches in byte order. Each component is matched with Redis's own stringmatchlen.
import { readdirSync, statSync } from "node:fs";
import path from "node:path";
import { globMatch } from "@shoal/keyspace-store";

const WILDCARD = /[*?[]/;

/** The files `pattern` names: itself when it has no wildcard, else its glob matches, sorted. */
export function configFilesFor(pattern: string): string[] {
  if (!WILDCARD.test(pattern)) return [pattern];
  const absolute = pattern.startsWith("/");
  const parts = pattern.split("/").filter((p) => p !== "");
  let found: string[] = [absolute ? "/" : ""];
  for (const [i, part] of parts.entries()) {
    const last = i === parts.length - 1;
    const next: string[] = [];
    for (const base of found) {
      if (!WILDCARD.test(part)) {
        const p = base === "" ? part : path.join(base, part);
        if (last ? exists(p) : isDir(p)) next.push(p);
        continue;
      }
      for (const name of listDir(base === "" ? "." : base)) {
        if (name.startsWith(".") && !part.startsWith(".")) continue;
        if (!globMatch(part, name)) continue;
        const p = base === "" ? name : path.join(base, name);
        if (last ? isFile(p) : isDir(p)) next.push(p);
      }
    }
    found = next;
  }
  return found.sort((a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b)));
}

function listDir(dir: string): string[] {
  try {
    return readdirSync(dir);
  } catch {
    return []; // glob(3) without GLOB_ERR passes over what it can't read
  }
}

function isDir(p: string): boolean {
  return statSync(p, { throwIfNoEntry: false })?.isDirectory() ?? false;
}

function isFile(p: string): boolean {
  return statSync(p, { throwIfNoEntry: false })?.isFile() ?? false;
}

function exists(p: string): boolean {
  return statSync(p, { throwIfNoEntry: false }) !== undefined;
}
