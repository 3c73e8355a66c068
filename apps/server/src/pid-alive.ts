// Whether a process still owns what it held (a nodes.conf lock, a launcher's node slot).
// kill(pid, 0) also succeeds for a process that has exited and not been reaped yet (a zombie:
// a node killed with SIGKILL whose parent has not waited for it), which holds no file, lock or
// socket any more; Redis's flock() on nodes.conf is released at exit the same way.
import fs from "node:fs";

/** True while `pid` runs or is stopped; false once it is gone or only a zombie. */
export function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === "EPERM";
  }
  return !exitedUnreaped(pid);
}

/** /proc/<pid>/stat says Z (zombie) or X (dead). */
function exitedUnreaped(pid: number): boolean {
  let stat: string;
  try {
    stat = fs.readFileSync(`/proc/${pid}/stat`, "utf8");
  } catch {
    return false;
  }
  const state = stat[stat.lastIndexOf(")") + 2];
  return state === "Z" || state === "X";
}
