// pidAlive against real processes: a running one, a reaped one, and a zombie (exited, its parent
// never waiting for it), which kill(pid, 0) still finds.
import { spawn } from "node:child_process";
import { waitFor } from "@shoal/test-utils";
import { describe, expect, it } from "vitest";
import { pidAlive } from "./pid-alive.js";

const signalZero = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

describe("pidAlive", () => {
  it("is true for a running process, false for a zombie and for a reaped one", async () => {
    expect(pidAlive(process.pid)).toBe(true);
    // The shell starts a short sleep in the background, prints its pid and becomes a long sleep,
    // which never waits for the short one: it stays a zombie until the long one ends.
    const parent = spawn("sh", ["-c", "sleep 1 & echo $!; exec sleep 30"], {
      stdio: ["ignore", "pipe", "ignore"],
    });
    try {
      const zombie = await new Promise<number>((resolve) =>
        parent.stdout!.once("data", (d: Buffer) => resolve(Number(d.toString().trim()))),
      );
      expect(pidAlive(zombie)).toBe(true);
      await waitFor(() => !pidAlive(zombie), { timeout: 5000, what: "the sleep to exit" });
      expect(signalZero(zombie)).toBe(true);
      expect(pidAlive(parent.pid!)).toBe(true);
    } finally {
      parent.kill("SIGKILL");
    }
    await new Promise((r) => parent.once("exit", r));
    expect(pidAlive(parent.pid!)).toBe(false);
  });
});
