// The function libraries (Redis 7.0's functions.c): FUNCTION LOAD's metadata line and checks,
// the library and function registries, DELETE/FLUSH, LIST's reply, DUMP/RESTORE's payload. The
// code runs in a Lua state of its own (function_lua.c), apart from EVAL's; running a function
// (FCALL) is eval.ts's, as in Redis where both go through script.c.
import { crc64, globMatch, RDB_VERSION, RdbCursor, RdbWriter } from "@shoal/keyspace-store";
import type { ReplyWriter } from "@shoal/resp-codec";
import type { LuaEngine } from "./lua-engine.js";

const RDB_OPCODE_FUNCTION2 = 245;
const FLAG_NAMES: [number, string][] = [
  [1, "no-writes"],
  [2, "allow-oom"],
  [4, "allow-stale"],
  [8, "no-cluster"],
  [32, "allow-cross-slot-keys"],
];
const NAME_RE = /^[A-Za-z0-9_]+$/;
const BAD_NAME =
  "Library names can only contain letters, numbers, or underscores(_) and must be at least one character long";

export interface FunctionInfo {
  name: string;
  description: Buffer | null;
  flags: number;
  /** The callback's registry reference in the functions' Lua state. */
  ref: number;
  library: Library;
}

export interface Library {
  name: string;
  /** The whole code as loaded, shebang line included (LIST WITHCODE, DUMP). */
  code: Buffer;
  functions: Map<string, FunctionInfo>;
}

export type RestorePolicy = "flush" | "append" | "replace";

export class FunctionLibraries {
  readonly libraries = new Map<string, Library>();
  /**
   * Every library's functions by name, case-insensitively as Redis's functionDictType
   * (dictSdsKeyCaseCompare): FCALL F1 runs f1, and a library can't register F1 while another
   * has f1. Keyed by the lowercased name (names are [A-Za-z0-9_]); a library's own functions
   * and the library names are case-sensitive, as there.
   */
  readonly functions = new Map<string, FunctionInfo>();
  /** The library FUNCTION LOAD is running, which redis.register_function adds to. */
  private loading: Library | null = null;

  constructor(private readonly engine: () => LuaEngine) {}

  /** The function FCALL `name` runs (any case), if any. */
  function(name: string): FunctionInfo | undefined {
    return this.functions.get(name.toLowerCase());
  }

  /** redis.register_function (functionLibCreateFunction). */
  registerFunction(
    name: Buffer,
    description: Buffer | null,
    flags: number,
    ref: number,
  ): string | undefined {
    const lib = this.loading;
    if (lib === null) return "redis.register_function can only be called on FUNCTION LOAD command";
    const fname = name.toString("latin1");
    if (!NAME_RE.test(fname)) return BAD_NAME;
    if (lib.functions.has(fname)) return "Function already exists in the library";
    lib.functions.set(fname, { name: fname, description, flags, ref, library: lib });
    return undefined;
  }

  /** functionsCreateWithLibraryCtx: the library's name, or the error text (without "ERR "). */
  load(code: Buffer, replace: boolean): { name: string } | { error: string } {
    const md = parseMetadata(code);
    if ("error" in md) return md;
    if (!NAME_RE.test(md.name)) return { error: BAD_NAME };
    if (md.engine.toLowerCase() !== "lua") return { error: `Engine '${md.engine}' not found` };
    const old = this.libraries.get(md.name);
    if (old !== undefined && !replace) return { error: `Library '${md.name}' already exists` };
    const lib: Library = { name: md.name, code, functions: new Map() };
    this.loading = lib;
    let err: string | null;
    try {
      err = this.engine().loadLibrary(code.subarray(md.codeStart));
    } finally {
      this.loading = null;
    }
    if (err === null && lib.functions.size === 0) err = "No functions registered";
    if (err === null) {
      for (const f of lib.functions.keys()) {
        const other = this.function(f);
        if (other !== undefined && other.library !== old) {
          err = `Function ${f} already exists`;
          break;
        }
      }
    }
    if (err !== null) {
      this.freeFunctions(lib);
      return { error: err };
    }
    if (old !== undefined) this.unlink(old);
    this.link(lib);
    return { name: md.name };
  }

  delete(name: string): boolean {
    const lib = this.libraries.get(name);
    if (lib === undefined) return false;
    this.unlink(lib);
    return true;
  }

  flush(): void {
    for (const lib of [...this.libraries.values()]) this.unlink(lib);
  }

  /** FUNCTION LIST's reply for the libraries whose name matches `pattern` (all when null). */
  list(reply: ReplyWriter, pattern: string | null, withCode: boolean): void {
    const libs = [...this.libraries.values()].filter(
      (l) => pattern === null || globMatch(pattern, l.name, true),
    );
    reply.array(libs.length);
    for (const lib of libs) {
      reply.map(withCode ? 4 : 3);
      reply.bulk("library_name");
      reply.bulk(lib.name);
      reply.bulk("engine");
      reply.bulk("LUA");
      reply.bulk("functions");
      reply.array(lib.functions.size);
      for (const f of lib.functions.values()) {
        reply.map(3);
        reply.bulk("name");
        reply.bulk(f.name);
        reply.bulk("description");
        if (f.description === null) reply.nullBulk();
        else reply.bulk(f.description);
        reply.bulk("flags");
        const names = FLAG_NAMES.filter(([bit]) => f.flags & bit).map(([, n]) => n);
        reply.set(names.length);
        for (const n of names) reply.simple(n);
      }
      if (withCode) {
        reply.bulk("library_code");
        reply.bulk(lib.code);
      }
    }
  }

  /** FUNCTION DUMP: FUNCTION2 records, then the RDB version and a CRC64 (createDumpPayload). */
  dump(): Buffer {
    const w = new RdbWriter(true);
    for (const lib of this.libraries.values()) {
      w.u8(RDB_OPCODE_FUNCTION2);
      w.stringBytes(lib.code);
    }
    w.u8(RDB_VERSION & 0xff);
    w.u8((RDB_VERSION >> 8) & 0xff);
    const body = w.take();
    const out = Buffer.allocUnsafe(body.length + 8);
    body.copy(out);
    out.writeBigUInt64LE(crc64(body), body.length);
    return out;
  }

  /** FUNCTION RESTORE: null, or the error text (without "ERR "). */
  restore(payload: Buffer, policy: RestorePolicy): string | null {
    if (!verifyDumpPayload(payload)) return "DUMP payload version or checksum are wrong";
    const codes: Buffer[] = [];
    const c = new RdbCursor(payload, 0, payload.length - 10);
    try {
      while (c.pos < c.end) {
        const type = c.u8();
        if (type !== RDB_OPCODE_FUNCTION2) return "given type is not a function";
        codes.push(c.readBuffer());
      }
    } catch {
      return "can not read data type";
    }
    // Loaded into a fresh registry first, then merged by the policy (functionsLibCtx join).
    const saved = new Map(this.libraries);
    const savedFns = new Map(this.functions);
    if (policy === "flush") {
      this.libraries.clear();
      this.functions.clear();
    }
    const loaded: Library[] = [];
    const undo = (err: string) => {
      for (const lib of loaded) {
        if (this.libraries.get(lib.name) === lib) this.libraries.delete(lib.name);
        this.freeFunctions(lib);
      }
      this.libraries.clear();
      this.functions.clear();
      for (const [k, v] of saved) this.libraries.set(k, v);
      for (const [k, v] of savedFns) this.functions.set(k, v);
      return err;
    };
    for (const code of codes) {
      const md = parseMetadata(code);
      if ("error" in md) return undo(md.error);
      const existing = this.libraries.get(md.name);
      if (existing !== undefined && policy === "append") {
        return undo(`Library ${md.name} already exists`);
      }
      const r = this.load(code, policy === "replace");
      if ("error" in r) return undo(r.error);
      loaded.push(this.libraries.get(r.name)!);
    }
    // The libraries a FLUSH or REPLACE dropped free their functions now it succeeded.
    if (policy === "flush") for (const lib of saved.values()) this.freeFunctions(lib);
    return null;
  }

  private link(lib: Library): void {
    this.libraries.set(lib.name, lib);
    // Two of one library's functions equal but for case: the first stays (dictAdd refuses
    // the second).
    for (const f of lib.functions.values()) {
      const key = f.name.toLowerCase();
      if (!this.functions.has(key)) this.functions.set(key, f);
    }
  }

  private unlink(lib: Library): void {
    this.libraries.delete(lib.name);
    for (const f of lib.functions.values()) {
      const key = f.name.toLowerCase();
      if (this.functions.get(key) === f) this.functions.delete(key);
    }
    this.freeFunctions(lib);
  }

  private freeFunctions(lib: Library): void {
    const engine = this.engine();
    for (const f of lib.functions.values()) engine.unref(f.ref);
  }
}

/** functionExtractLibMetaData: `#!<engine> name=<library>` on the first line. */
function parseMetadata(
  code: Buffer,
): { engine: string; name: string; codeStart: number } | { error: string } {
  if (code.length < 2 || code[0] !== 0x23 || code[1] !== 0x21) {
    return { error: "Missing library metadata" };
  }
  const end = code.indexOf(0x0a);
  if (end < 0) return { error: "Invalid library metadata" };
  const parts = code
    .toString("latin1", 0, end)
    .split(/[ \t\r\v\f]+/)
    .filter((p) => p !== "");
  if (parts.length === 0) return { error: "Invalid library metadata" };
  const engine = parts[0]!.slice(2);
  let name: string | undefined;
  for (const part of parts.slice(1)) {
    if (part.slice(0, 5).toLowerCase() === "name=") {
      if (name !== undefined) {
        return { error: "Invalid metadata value, name argument was given multiple times" };
      }
      name = part.slice(5);
      continue;
    }
    return { error: `Invalid metadata value given: ${part}` };
  }
  if (name === undefined) return { error: "Library name was not given" };
  // The code from the newline on: line numbers in errors stay the library's.
  return { engine, name, codeStart: end };
}

/** verifyDumpPayload: RDB version not newer than ours, CRC64 of everything before it. */
function verifyDumpPayload(p: Buffer): boolean {
  if (p.length < 10) return false;
  const ver = p[p.length - 10]! | (p[p.length - 9]! << 8);
  if (ver > RDB_VERSION) return false;
  return crc64(p.subarray(0, p.length - 8)) === p.readBigUInt64LE(p.length - 8);
}
