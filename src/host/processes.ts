/**
 * HostProcesses (layers/dir/host-fs.ts) from a runtime's few primitives, platform-neutral.
 * On Linux a process is told apart from a later one with the same pid by the
 * boot id and its start time in /proc/PID/stat (field 22), and a zombie (a
 * killed process not reaped yet) counts as gone. Elsewhere only `kill(pid, 0)`
 * is available, so a reused pid keeps a stale lock alive (never the reverse).
 */
import type { HostProcesses, ProcessIdentity } from "../layers/dir/host-fs.ts";

/** What a runtime supplies. */
export interface ProcessPrimitives {
  pid: number;
  hostname(): string;
  /** Text of a small file, or undefined if it cannot be read. */
  readText(path: string): string | undefined;
  /** Does a process with this pid exist (kill(pid, 0): EPERM counts as yes)? */
  exists(pid: number): boolean;
  /** Call `fn` once at process exit. */
  onExit(fn: () => void): void;
}

/** State and start time (clock ticks since boot) from /proc/PID/stat text. */
function parseStat(text: string): { state: string; start: string } | undefined {
  // The command name (field 2) is in parentheses and may itself hold spaces or ")".
  const close = text.lastIndexOf(")");
  if (close < 0) return undefined;
  const fields = text.slice(close + 2).split(" ");
  const state = fields[0];
  const start = fields[19]; // field 22 of the whole line
  return state !== undefined && start !== undefined ? { state, start } : undefined;
}

export function hostProcesses(p: ProcessPrimitives): HostProcesses {
  const bootId = (p.readText("/proc/sys/kernel/random/boot_id") ?? "").trim();
  const procStat = (pid: number) => {
    const text = p.readText(`/proc/${pid}/stat`);
    return text === undefined ? undefined : parseStat(text);
  };
  const hasProc = procStat(p.pid) !== undefined;
  let host: string | undefined;
  const hostname = () => {
    if (host === undefined) {
      try { host = p.hostname(); } catch { host = ""; }
    }
    return host;
  };
  let self: ProcessIdentity | undefined;
  const exitHooks = new Set<() => void>();
  let exitInstalled = false;
  return {
    self: () => {
      if (self === undefined) {
        const st = hasProc ? procStat(p.pid) : undefined;
        self = { pid: p.pid, host: hostname(), start: st !== undefined && bootId !== "" ? `${bootId}:${st.start}` : "" };
      }
      return { ...self };
    },
    alive: (other) => {
      if (other.host !== hostname()) return true; // cannot tell: never break another host's lock
      if (!Number.isSafeInteger(other.pid) || other.pid <= 0) return false;
      if (!hasProc) return p.exists(other.pid);
      const st = procStat(other.pid);
      if (st === undefined) return false;
      if (st.state === "Z" || st.state === "X") return false;
      // A recorded start that differs: the pid was reused (or the machine rebooted).
      if (other.start !== "" && bootId !== "" && other.start !== `${bootId}:${st.start}`) return false;
      return true;
    },
    atExit: (fn) => {
      if (!exitInstalled) {
        exitInstalled = true;
        p.onExit(() => {
          for (const hook of [...exitHooks]) {
            try { hook(); } catch { /* exiting anyway */ }
          }
        });
      }
      exitHooks.add(fn);
      return () => void exitHooks.delete(fn);
    },
  };
}
