// DiskErrors alone: which MISCONF text a write gets for each mix of outcomes and settings
// (writeCommandsDeniedByDiskError's order: the RDB case before the AOF's), and strerror()'s words
// for Node's error codes. The replies themselves are pinned against redis-server in
// test/misconf.test.ts.
import { describe, expect, it } from "vitest";
import { aofErrorReason, DiskErrors } from "./disk-errors.js";

function settings(values: Record<string, unknown>) {
  return { get: <T>(name: string) => values[name] as T };
}

const RDB = /^MISCONF Redis is configured to save RDB snapshots, .* RDB error\.$/;

describe("DiskErrors", () => {
  it("stops writes after a failed background save only with stop-writes-on-bgsave-error and save points", () => {
    const cfg = { "stop-writes-on-bgsave-error": true, save: [{ seconds: 1, changes: 1 }] };
    const e = new DiskErrors(settings(cfg));
    expect(e.denial).toBeNull();
    e.saveDone(false);
    expect(e.denial).toMatch(RDB);
    expect(e.scriptDenial).toMatch(/Writable scripts are blocked/);
    expect(e.lastBgsaveStatus).toBe("err");
    cfg["stop-writes-on-bgsave-error"] = false;
    e.refresh();
    expect(e.denial).toBeNull();
    cfg["stop-writes-on-bgsave-error"] = true;
    cfg.save = [];
    e.refresh();
    expect(e.denial).toBeNull();
    cfg.save = [{ seconds: 1, changes: 1 }];
    e.refresh();
    expect(e.denial).toMatch(RDB);
    e.saveDone(true);
    expect(e.denial).toBeNull();
    expect(e.lastBgsaveStatus).toBe("ok");
  });

  it("AOF errors count while appendonly is on; the RDB case is reported first", () => {
    const cfg = {
      "stop-writes-on-bgsave-error": true,
      save: [{ seconds: 1, changes: 1 }],
      appendonly: true,
    };
    const e = new DiskErrors(settings(cfg));
    e.aofWriteDone("No space left on device");
    expect(e.denial).toBe("MISCONF Errors writing to the AOF file: No space left on device");
    expect(e.scriptDenial).toMatch(/AOF error: No space left on device$/);
    expect(e.aofLastWriteStatus).toBe("err");
    e.saveDone(false);
    expect(e.denial).toMatch(RDB);
    e.saveDone(true);
    cfg.appendonly = false;
    e.refresh();
    expect(e.denial).toBeNull();
    cfg.appendonly = true;
    e.refresh();
    e.aofWriteDone(null);
    expect(e.denial).toBeNull();
    // A failed background fsync stops writes until one succeeds.
    e.aofFsyncDone("Input/output error");
    expect(e.denial).toBe("MISCONF Errors writing to the AOF file: Input/output error");
    expect(e.aofLastWriteStatus).toBe("err");
    e.aofFsyncDone(null);
    expect(e.denial).toBeNull();
    expect(e.aofLastWriteStatus).toBe("ok");
  });

  it("words fs errors as strerror() does", () => {
    const err = (code: string) => Object.assign(new Error(`${code}: boom`), { code });
    expect(aofErrorReason(err("ENOSPC"))).toBe("No space left on device");
    expect(aofErrorReason(err("EIO"))).toBe("Input/output error");
    expect(aofErrorReason(err("EDQUOT"))).toBe("Disk quota exceeded");
    expect(aofErrorReason(err("EWHATEVER"))).toBe("EWHATEVER: boom");
  });
});
