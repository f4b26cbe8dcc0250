/**
 * The lock a writable DirLayer holds while it is open, so that two processes
 * (Node or Deno, any mix) never write one upper at once: like kernel
 * overlayfs refusing a second mount of an upper in use. Two writers would
 * each copy up from their own stale caches and rename over each other's files.
 *
 * Form: a lock directory beside the layer (`<parent>/.<name>.layerfs-lock/`)
 * holding one announcement file per opener, named `<pid>.<random>` and
 * holding its ProcessIdentity as JSON. Each file is written under a `.tmp.`
 * name and renamed into place, so it never appears half-written.
 *
 * Protocol (announce, then look): an opener puts its announcement in place,
 * then lists the directory. Any other announcement of a live process means
 * the layer is in use: the opener withdraws its own and fails. Of two
 * openers racing, the later one to announce always sees the earlier one, so
 * at most one ever holds the lock (both may withdraw; each then waits a
 * random moment and tries once more, so one of them wins).
 *
 * Stale locks: an announcement whose process is gone (killed with SIGKILL,
 * say) is removed by whoever finds it. Each file belongs to exactly one
 * process instance (pid plus start time, so a reused pid is not mistaken for
 * the holder), and a dead process never comes back, so removing it can never
 * take a live holder's lock: takeover needs no atomic compare-and-swap.
 * A holder on another host (a shared filesystem) is never judged dead.
 */
import { Errno, FsError, errnoOf } from "../../core/errno.ts";
import type { HostFs, HostProcesses, ProcessIdentity } from "./host-fs.ts";

/** A second opener of a layer in use. `holder` is the process that has it. */
export class LayerInUseError extends FsError {
  readonly holder: ProcessIdentity;
  readonly lockDir: string;
  /** `layer`: the layer's host path. */
  constructor(layer: string, holder: ProcessIdentity, lockDir: string) {
    super(Errno.BUSY, "lock", layer, `in use by pid ${holder.pid}${holder.host ? ` on ${holder.host}` : ""}`);
    this.holder = holder;
    this.lockDir = lockDir;
    this.message = `'${layer}' is in use by pid ${holder.pid}${holder.host ? ` on ${holder.host}` : ""}` +
      ` (lock ${lockDir}; remove it only if that process is gone)`;
  }
}

/** A held lock. */
export interface LayerLock {
  /** Withdraw the announcement (idempotent); done at process exit too. */
  release(): void;
}

const TMP = ".tmp.";
/** Rounds of withdraw-wait-retry when two openers collide (a settled holder fails the first round). */
const ATTEMPTS = 4;

/** Default lock directory of a layer at host path `root` (`workDir` for a layer at "/"). */
export function defaultLockDir(root: string, workDir: string): string {
  if (root === "/") return `${workDir}.lock`;
  const slash = root.lastIndexOf("/");
  const parent = slash <= 0 ? "" : root.slice(0, slash);
  return `${parent}/.${root.slice(slash + 1)}.layerfs-lock`;
}

/** Take the lock of the layer at `layer` (for messages) in `lockDir`, or throw LayerInUseError. */
export function lockLayer(host: HostFs, processes: HostProcesses, layer: string, lockDir: string): LayerLock {
  const me = processes.self();
  const record = new TextEncoder().encode(JSON.stringify({ ...me, layer, since: new Date().toISOString() }) + "\n");
  for (let attempt = 1; ; attempt++) {
    const name = `${me.pid}.${Math.floor(Math.random() * 0x1_0000_0000).toString(36)}`;
    const mine = `${lockDir}/${name}`;
    announce(host, lockDir, name, record);
    let holder: { name: string; who: ProcessIdentity } | undefined;
    try {
      holder = liveHolder(host, processes, lockDir, name);
    } catch (e) {
      removeQuietly(host, mine);
      throw e;
    }
    if (holder === undefined) return heldLock(host, processes, mine, lockDir);
    removeQuietly(host, mine);
    // A settled holder stays; a racing opener that also withdrew is gone after a moment.
    sleepMs(5 + Math.random() * 20 * attempt);
    if (attempt >= ATTEMPTS || exists(host, `${lockDir}/${holder.name}`)) throw new LayerInUseError(layer, holder.who, lockDir);
  }
}

function heldLock(host: HostFs, processes: HostProcesses, mine: string, lockDir: string): LayerLock {
  let held = true;
  const release = () => {
    if (!held) return;
    held = false;
    unregister();
    removeQuietly(host, mine);
    try { host.rmdir(lockDir); } catch { /* another opener's announcement is there, or it is gone */ }
  };
  const unregister = processes.atExit(release);
  return { release };
}

/** Put announcement `name` in place (the lock directory is made when missing). */
function announce(host: HostFs, lockDir: string, name: string, record: Uint8Array): void {
  const tmp = `${lockDir}/${TMP}${name}`;
  for (let tries = 0; ; tries++) {
    try {
      host.mkdir(lockDir, 0o755);
    } catch (e) {
      if (errnoOf(e) !== Errno.EXIST) throw new FsError(errnoOf(e), "lock", lockDir, "cannot make the lock directory");
    }
    if (host.lstat(lockDir).kind !== "dir") throw new FsError(Errno.NOTDIR, "lock", lockDir, "the lock path is not a directory");
    let fd: number;
    try {
      fd = host.open(tmp, { createNew: true, mode: 0o644 });
    } catch (e) {
      // A releasing holder removed the (empty) directory between our mkdir and open: again.
      if (errnoOf(e) === Errno.NOENT && tries < 10) continue;
      throw new FsError(errnoOf(e), "lock", lockDir, "cannot write the lock file");
    }
    try {
      let n = 0;
      while (n < record.length) n += host.pwrite(fd, record.subarray(n), n);
    } catch (e) {
      host.close(fd);
      removeQuietly(host, tmp);
      throw e;
    }
    host.close(fd);
    host.rename(tmp, `${lockDir}/${name}`);
    return;
  }
}

/** The first announcement (other than `mine`) of a live process; stale ones are removed on the way. */
function liveHolder(host: HostFs, processes: HostProcesses, lockDir: string, mine: string): { name: string; who: ProcessIdentity } | undefined {
  let found: { name: string; who: ProcessIdentity } | undefined;
  for (const { name } of host.readdir(lockDir)) {
    if (name === mine) continue;
    const isTmp = name.startsWith(TMP);
    const who = isTmp ? undefined : readRecord(host, `${lockDir}/${name}`);
    if (who === "gone") continue; // released meanwhile
    const pid = Number.parseInt((isTmp ? name.slice(TMP.length) : name).split(".")[0] ?? "", 10);
    // An unreadable record still names its pid: judged by the pid alone, on this host.
    const id: ProcessIdentity = who ?? { pid, host: processes.self().host, start: "" };
    if (processes.alive(id)) {
      // A file still being written is not a holder yet: when it lands, its writer looks and sees ours.
      if (!isTmp && found === undefined) found = { name, who: id };
    } else {
      removeQuietly(host, `${lockDir}/${name}`);
    }
  }
  return found;
}

/** The identity in an announcement; "gone" if it was removed meanwhile, undefined if unreadable. */
function readRecord(host: HostFs, path: string): ProcessIdentity | "gone" | undefined {
  let fd: number;
  try { fd = host.open(path); } catch (e) { return errnoOf(e) === Errno.NOENT ? "gone" : undefined; }
  try {
    const buf = new Uint8Array(4096);
    const n = host.pread(fd, buf, 0);
    const v = JSON.parse(new TextDecoder().decode(buf.subarray(0, n))) as Partial<ProcessIdentity>;
    if (typeof v.pid !== "number" || typeof v.host !== "string" || typeof v.start !== "string") return undefined;
    return { pid: v.pid, host: v.host, start: v.start };
  } catch {
    return undefined;
  } finally {
    host.close(fd);
  }
}

function exists(host: HostFs, path: string): boolean {
  try {
    host.lstat(path);
    return true;
  } catch {
    return false;
  }
}

function removeQuietly(host: HostFs, path: string): void {
  try { host.unlink(path); } catch { /* already gone */ }
}

/** Block the thread for `ms` (lock contention only: a few milliseconds). */
function sleepMs(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}
