// The Lua engine: Redis 7.0.15's Lua 5.1 with its libraries and the script_lua.c environment,
// compiled to WebAssembly by tooling/lua-wasm/build.sh (C side: tooling/lua-wasm/shim/shoal_lua.c).
// This file instantiates it synchronously and is the only place that touches its memory.
//
// Why this engine (measured, see the server README "Scripting"): the exact dialect scripts are
// written for (numbers printed "%.14g", unpack, table.getn, cjson/cmsgpack/bit/struct as Redis
// ships them) and a call overhead below a pure-JS VM's. Commands cross the boundary as RESP bytes
// both ways, as in Redis, where redis.call runs on a fake client whose reply is parsed back.
import { type CommandArgs, CommandDecoder, type ReplyBuffer } from "@shoal/resp-codec";
import { CallArgs } from "./call-args.js";
import { luaWasmBase64 } from "./lua-wasm.generated.js";

/** A command's RESP reply waiting to be read back into Lua (the script client's ReplyBuffer). */
export interface PendingReply {
  readonly pendingBytes: number;
  /** Copies the reply to `dst` at `at` and takes it; its length. */
  takeInto(dst: Uint8Array, at: number): number;
}

/** What a running script reaches outside the VM. */
export interface LuaHost {
  /**
   * redis.call/pcall: run the command, leave its RESP reply in protocol `resp` (never empty) in
   * what it returns. `args` are views of the engine's memory, valid for this call only.
   */
  call(args: CommandArgs, resp: 2 | 3): PendingReply;
  /** Every 100k instructions while the time-limit hook is on: true kills the script. */
  interrupt(): boolean;
  /** redis.log at or above the verbosity (0 debug .. 3 warning). */
  log(level: number, message: string): void;
  /** redis.set_repl(flags): 0 none, 1 AOF, 2 replicas, 3 both. */
  setRepl(flags: number): void;
  /**
   * redis.register_function while FUNCTION LOAD runs a library (functions mode only): an error
   * text refuses it, undefined accepts it.
   */
  registerFunction?(
    name: Buffer,
    description: Buffer | null,
    flags: number,
    ref: number,
  ): string | undefined;
}

/**
 * The outcome of a run: the reply for the caller, already in the caller's protocol, where the
 * engine left it in its memory; valid until the engine runs again (one object per engine).
 */
export class LuaRunResult {
  isError = false;
  private mem: Buffer = Buffer.alloc(0);
  private start = 0;
  private end = 0;

  /** @internal The engine's run left its reply at `mem[start, end)`. */
  set(mem: Buffer, start: number, end: number, isError: boolean): this {
    this.mem = mem;
    this.start = start;
    this.end = end;
    this.isError = isError;
    return this;
  }

  /** The reply as a view of the engine's memory. */
  get reply(): Buffer {
    return this.mem.subarray(this.start, this.end);
  }

  /** The reply copied into a client's reply buffer (no view made). */
  writeTo(out: ReplyBuffer): void {
    out.rawSlice(this.mem, this.start, this.end);
  }
}

// The server's lib settings (ES2023, no DOM) declare no WebAssembly values: the little used here.
interface WasmApi {
  Module: new (bytes: Uint8Array) => object;
  Instance: new (module: object, imports: object) => { exports: unknown };
}
const wasm = (globalThis as unknown as { WebAssembly: WasmApi }).WebAssembly;

/** sl_eval_run / sl_fn_run: the function `ref`, named `name` in errors; 1 when it failed. */
type RunFunction = (
  ref: number,
  name: number,
  nkeys: number,
  nargs: number,
  resp: number,
  hook: number,
) => number;

interface Exports {
  memory: { buffer: ArrayBuffer };
  _initialize(): void;
  malloc(n: number): number;
  free(p: number): void;
  sl_init(): number;
  sl_reset(): void;
  sl_ctl(): number;
  sl_reply_buffer(n: number): number;
  sl_args_reserve(bytes: number, count: number): number;
  sl_set_verbosity(v: number): void;
  sl_eval_compile(name: number, body: number, len: number): number;
  sl_eval_exists(name: number): number;
  sl_eval_run: RunFunction;
  sl_memory(): number;
  sl_fn_init(): number;
  sl_fn_load(code: number, len: number): number;
  sl_fn_unref(ref: number): void;
  sl_fn_run: RunFunction;
}

let compiled: object | undefined;

function wasmModule(): object {
  compiled ??= new wasm.Module(Buffer.from(luaWasmBase64, "base64"));
  return compiled;
}

const ENOSYS = 52;

/**
 * The shim's control block (sl_ctl), 32-bit words: where its buffers are now and how much they
 * hold, read from memory rather than asked across the boundary on every call.
 */
const Ctl = {
  outPtr: 0,
  outLen: 1,
  argsPtr: 2,
  argsCap: 3,
  boundsPtr: 4,
  boundsCap: 5,
  replyPtr: 6,
  replyCap: 7,
} as const;

export class LuaEngine {
  private readonly ex: Exports;
  private tempRet0 = 0;
  /** Views of the module's memory, taken again when memory.grow replaced its buffer. */
  private view8: Buffer = Buffer.alloc(0);
  private view32 = new Uint32Array(0);
  /** Function names as C strings in the module's memory, kept across runs. */
  private readonly names = new Map<string, number>();
  /** redis.call's arguments, pointed at the engine's argument region for each call. */
  private readonly callArgs = new CallArgs();
  private readonly result = new LuaRunResult();
  /** The control block's first word in view32. */
  private readonly ctl: number;
  private host: LuaHost;

  /** `functions`: a FUNCTION engine (function_lua.c) instead of EVAL's (eval.c). */
  constructor(host: LuaHost, mode: "eval" | "functions" = "eval") {
    this.host = host;
    const env = {
      js_call: (argc: number, resp: number) => this.onCall(argc, resp),
      js_interrupt: () => (this.host.interrupt() ? 1 : 0),
      js_log: (level: number, ptr: number, len: number) =>
        this.host.log(level, Buffer.from(this.bytes(ptr, len)).toString("latin1")),
      js_set_repl: (flags: number) => this.host.setRepl(flags),
      getTempRet0: () => this.tempRet0,
      js_register_function: (
        name: number,
        nameLen: number,
        desc: number,
        descLen: number,
        flags: number,
        ref: number,
      ) => {
        const err = this.host.registerFunction?.(
          Buffer.from(this.bytes(name, nameLen)),
          descLen < 0 ? null : Buffer.from(this.bytes(desc, descLen)),
          flags,
          ref,
        );
        if (err === undefined) return 0;
        const b = Buffer.from(`${err}\0`, "latin1");
        const ptr = this.ex.sl_reply_buffer(b.length);
        this.u8().set(b, ptr);
        return 1;
      },
      setTempRet0: (v: number) => {
        this.tempRet0 = v;
      },
      emscripten_notify_memory_growth: () => {},
      __syscall_dup3: () => -ENOSYS,
    };
    // The sandbox has no files: print, io and the debugger's stdin are not reachable from
    // scripts (Redis removes them), so the C library's stdio ends here.
    const wasi = {
      proc_exit: (code: number) => {
        throw new Error(`lua engine aborted (${code})`);
      },
      fd_write: () => ENOSYS,
      fd_read: () => ENOSYS,
      fd_close: () => ENOSYS,
      fd_seek: () => ENOSYS,
    };
    const instance = new wasm.Instance(wasmModule(), {
      env,
      wasi_snapshot_preview1: wasi,
    });
    this.ex = instance.exports as unknown as Exports;
    this.ex._initialize();
    if (mode === "functions") this.ex.sl_fn_init();
    else this.ex.sl_init();
    this.ctl = this.ex.sl_ctl() >>> 2;
  }

  /** Lets one engine serve several callers in turn (the host of the script running now). */
  setHost(host: LuaHost): void {
    this.host = host;
  }

  setVerbosity(level: number): void {
    this.ex.sl_set_verbosity(level);
  }

  /**
   * Compiles a script body as registry[name]: the reference run() takes, or the RESP error
   * reply.
   */
  compile(name: string, body: Uint8Array): number | Buffer {
    const namePtr = this.cstring(name);
    const bodyPtr = this.ex.malloc(body.length + 1);
    this.u8().set(body, bodyPtr);
    const ref = this.ex.sl_eval_compile(namePtr, bodyPtr, body.length);
    this.ex.free(bodyPtr);
    this.ex.free(namePtr);
    return ref > 0 ? ref : this.out();
  }

  exists(name: string): boolean {
    const namePtr = this.cstring(name);
    const r = this.ex.sl_eval_exists(namePtr);
    this.ex.free(namePtr);
    return r !== 0;
  }

  /**
   * FUNCTION LOAD's engine step: runs a library's code (shebang line removed) so it registers
   * its functions through the host; null, or the error text (without a code).
   */
  loadLibrary(code: Uint8Array): string | null {
    const ptr = this.ex.malloc(code.length + 1);
    this.u8().set(code, ptr);
    const rc = this.ex.sl_fn_load(ptr, code.length);
    this.ex.free(ptr);
    return rc === 0 ? null : this.out().toString("latin1");
  }

  /** Frees a registered function (a library deleted or replaced). */
  unref(ref: number): void {
    this.ex.sl_fn_unref(ref);
  }

  /**
   * FCALL: the function registered as `ref`, its keys `args[first, first + nkeys)` and its
   * arguments the rest of `args`; errors name it `name`.
   */
  callFunction(
    ref: number,
    name: string,
    args: CommandArgs,
    first: number,
    nkeys: number,
    resp: 2 | 3,
    hook: boolean,
  ): LuaRunResult {
    this.putArgs(args, first);
    const isError = this.ex.sl_fn_run(
      ref,
      this.nameptr(name),
      nkeys,
      args.argc - first - nkeys,
      resp,
      hook ? 1 : 0,
    );
    return this.runResult(isError !== 0);
  }

  /**
   * Runs the script compile() gave `ref` (registry[name]) with KEYS = `args[first, first +
   * nkeys)` and ARGV the rest of `args` (EVAL's own argument vector, no per-key arrays); the
   * reply comes in the caller's protocol.
   */
  run(
    ref: number,
    name: string,
    args: CommandArgs,
    first: number,
    nkeys: number,
    resp: 2 | 3,
    hook: boolean,
  ): LuaRunResult {
    this.putArgs(args, first);
    const isError = this.ex.sl_eval_run(
      ref,
      this.nameptr(name),
      nkeys,
      args.argc - first - nkeys,
      resp,
      hook ? 1 : 0,
    );
    return this.runResult(isError !== 0);
  }

  /** args[first..] into the engine's argument region (one region, reused by every run). */
  private putArgs(args: CommandArgs, first: number): void {
    const argc = args.argc;
    let bytes = 0;
    for (let i = first; i < argc; i++) bytes += args.len(i);
    let u32 = this.u32();
    const ctl = this.ctl;
    // The region is reserved by a call only when it must grow.
    if (bytes > u32[ctl + Ctl.argsCap]! || 2 * (argc - first) > u32[ctl + Ctl.boundsCap]!) {
      this.ex.sl_args_reserve(bytes, argc - first);
      u32 = this.u32();
    }
    const base = u32[ctl + Ctl.argsPtr]!;
    const lens = u32[ctl + Ctl.boundsPtr]! >>> 2;
    const u8 = this.u8();
    let off = 0;
    if (args instanceof CommandDecoder) {
      // A client's EVALSHA: copied from the read buffer where the arguments are, without a view
      // per argument (BullMQ's add passes 12), short ones by hand.
      for (let i = first, j = lens; i < argc; i++, j += 2) {
        const src = args.argBuffer(i);
        const s = args.argOffset(i);
        const n = args.len(i);
        const at = base + off;
        if (n <= 32) for (let k = 0; k < n; k++) u8[at + k] = src[s + k]!;
        else u8.set(src.subarray(s, s + n), at);
        u32[j] = off;
        u32[j + 1] = n;
        off += n;
      }
      return;
    }
    for (let i = first, j = lens; i < argc; i++, j += 2) {
      const v = args.view(i);
      u8.set(v, base + off);
      u32[j] = off;
      u32[j + 1] = v.length;
      off += v.length;
    }
  }

  /** SCRIPT FLUSH: a fresh Lua state. */
  reset(): void {
    this.ex.sl_reset();
    for (const p of this.names.values()) this.ex.free(p);
    this.names.clear();
  }

  /** Bytes the Lua heap holds (used_memory_lua). */
  memory(): number {
    return this.ex.sl_memory();
  }

  private onCall(argc: number, resp: number): number {
    const mem = this.u8();
    const u32 = this.view32;
    const ctl = this.ctl;
    const bounds = u32[ctl + Ctl.boundsPtr]! >>> 2;
    const args = this.callArgs.point(mem, u32[ctl + Ctl.argsPtr]!, u32, bounds, argc);
    const reply = this.host.call(args, resp === 3 ? 3 : 2);
    const n = reply.pendingBytes;
    // The shim NUL-terminates the reply: n + 1 bytes; a call only when the buffer must grow.
    const w = this.u32();
    const ptr = n < w[ctl + Ctl.replyCap]! ? w[ctl + Ctl.replyPtr]! : this.ex.sl_reply_buffer(n);
    return reply.takeInto(this.u8(), ptr);
  }

  /**
   * The reply of the last run: a view of the module's memory, valid until the next call into
   * the engine (callers write it out at once, so it is not copied).
   */
  private out(): Buffer {
    const u32 = this.u32();
    const ptr = u32[this.ctl + Ctl.outPtr]!;
    return this.u8().subarray(ptr, ptr + u32[this.ctl + Ctl.outLen]!);
  }

  /** out() as the run's result, without a view made of it. */
  private runResult(isError: boolean): LuaRunResult {
    const u32 = this.u32();
    const ptr = u32[this.ctl + Ctl.outPtr]!;
    return this.result.set(this.u8(), ptr, ptr + u32[this.ctl + Ctl.outLen]!, isError);
  }

  private bytes(ptr: number, len: number): Uint8Array {
    return new Uint8Array(this.ex.memory.buffer, ptr, len);
  }

  // A call into the module may grow its memory, which detaches the old views: checked each time.
  private u8(): Buffer {
    // A grown memory detaches the old buffer, whose views then read as empty: no need to fetch
    // memory.buffer (an accessor call) every time.
    if (this.view8.length === 0) {
      // A Buffer, so copies out of the module are Buffer.copy (no view made for them).
      this.view8 = Buffer.from(this.ex.memory.buffer);
      this.view32 = new Uint32Array(this.ex.memory.buffer);
    }
    return this.view8;
  }

  private u32(): Uint32Array {
    this.u8();
    return this.view32;
  }

  /** `name` as a C string that stays allocated (script and function names recur). */
  private nameptr(name: string): number {
    let p = this.names.get(name);
    if (p === undefined) {
      p = this.cstring(name);
      this.names.set(name, p);
    }
    return p;
  }

  private cstring(s: string): number {
    const b = Buffer.from(s, "latin1");
    const p = this.ex.malloc(b.length + 1);
    const u8 = this.u8();
    u8.set(b, p);
    u8[p + b.length] = 0;
    return p;
  }
}
