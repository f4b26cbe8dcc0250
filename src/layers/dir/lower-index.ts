/**
 * The index of a read-only DirLayer: per directory, built on first use, the
 * names it shows with their types (one readdir with d_type), then on the
 * first stat of any of its names the attributes of all of them (one lstat
 * each, in one batch). stat, readdir, whiteout probes and opens are answered
 * from it: a name missing from its directory's index is absent without a host
 * call, and after the first visit a lookup costs no host call at all.
 *
 * A lower must not change while mounted (as for kernel overlayfs). If it does
 * anyway, the index gives the view as of first use (stale but consistent),
 * or a clean EIO "lower layer changed while mounted", never an escape:
 * - a directory's listing is kept only if, after it, lstat shows a real
 *   directory there (a symlink is not one) that is the object (dev, ino) its
 *   parent's batch saw, and the parent is still the directory indexed, so the
 *   listing came from inside the layer even if an ancestor was swapped for a
 *   symlink (the swap changes what the path resolves to);
 * - the same check of the directory follows every batch of attribute lstats;
 * - an open (O_NOFOLLOW) is checked by fstat to be the very object indexed;
 *   readlink is followed by the check of its directory.
 */
import { Errno, FsError, errnoOf } from "../../core/errno.ts";
import type { EntryStat, EntryType } from "../../core/layer.ts";
import { WHITEOUT_PREFIX } from "../../core/layer.ts";
import type { EntryIds } from "./entries.ts";
import { hostPathIn, layerError, lstatIfPresent } from "./entries.ts";
import { DirFile, closeQuietly } from "./file.ts";
import type { DirFileOwner } from "./file.ts";
import type { HostDirent, HostFs, HostStat } from "./host-fs.ts";
import { isOverlayWhiteout, isShown } from "./overlay.ts";

/** Type codes of names not statted yet. */
const FILE = 0;
const DIR = 1;
const SYMLINK = 2;
/** `.wh.X` standing for the overlayfs char-device whiteout X. */
const DEVICE_WHITEOUT = 3;
const TYPES: readonly EntryType[] = ["file", "dir", "symlink", "file"];

/** Before the batch stat: a type code; after it: the entry's attributes (frozen, shared by every caller). */
type Slot = number | EntryStat;

interface IndexedDir {
  readonly path: string;
  readonly hostPath: string;
  /** Layer id (dev, ino) of the directory object listed. */
  readonly id: number;
  readonly entries: Map<string, Slot>;
  /** The `.wh.X` names standing for overlayfs char-device whiteouts X (rare). */
  readonly devices: Set<string> | undefined;
  statted: boolean;
}

const CHANGED = "lower layer changed while mounted";

function changed(syscall: string, path: string): FsError {
  return new FsError(Errno.IO, syscall, path, CHANGED);
}

/** What the index knows about one path. */
export type Found =
  | { kind: "absent" }
  /** A parent component is not a directory. */
  | { kind: "notdir" }
  | { kind: "entry"; stat: EntryStat; hostPath: string; deviceWhiteout: boolean };

const ABSENT: Found = { kind: "absent" };
const NOTDIR: Found = { kind: "notdir" };

export class LowerIndex {
  private readonly dirs = new Map<string, IndexedDir>();
  private rootStat: EntryStat | undefined;

  constructor(
    private readonly host: HostFs,
    private readonly root: string,
    private readonly ids: EntryIds,
    private readonly rootId: number,
  ) {}

  /** Indexed directories and the names they hold (for memory measurements). */
  get size(): { dirs: number; entries: number } {
    let entries = 0;
    for (const d of this.dirs.values()) entries += d.entries.size;
    return { dirs: this.dirs.size, entries };
  }

  private hostPath(path: string): string {
    return hostPathIn(this.root, path);
  }

  private lstat(hostPath: string, syscall: string, path: string): HostStat | undefined {
    return lstatIfPresent(this.host, hostPath, syscall, path);
  }

  /** Is the host object at `hostPath` still the directory with layer id `id`? */
  private same(hostPath: string, id: number, syscall: string, path: string): boolean {
    const st = this.lstat(hostPath, syscall, path);
    return st !== undefined && st.kind === "dir" && this.ids.idOf(st) === id;
  }

  /** After a host call under `dir`: throw unless the directory is still the one indexed. */
  verify(dir: IndexedDir, syscall: string, path: string): void {
    if (!this.same(dir.hostPath, dir.id, syscall, path)) throw changed(syscall, path);
  }

  /** The index of directory `path`; undefined if nothing is there, "notdir" if it (or a parent) is not a directory. */
  dir(path: string, syscall: string): IndexedDir | "notdir" | undefined {
    const known = this.dirs.get(path);
    if (known !== undefined) return known;
    if (path === "") return this.build("", this.rootId, undefined, syscall);
    const slash = path.lastIndexOf("/");
    const parent = this.dir(slash < 0 ? "" : path.slice(0, slash), syscall);
    if (parent === undefined || parent === "notdir") return parent;
    const slot = parent.entries.get(slash < 0 ? path : path.slice(slash + 1));
    if (slot === undefined) return undefined;
    const type = typeof slot === "number" ? slot : slot.type === "dir" ? DIR : FILE;
    if (type !== DIR) return "notdir";
    const expected = typeof slot === "number" ? undefined : slot.id;
    return this.build(path, expected, parent, syscall);
  }

  private build(path: string, expectedId: number | undefined, parent: IndexedDir | undefined, syscall: string): IndexedDir {
    const hp = this.hostPath(path);
    let listing: HostDirent[];
    try { listing = this.host.readdir(hp); } catch (e) {
      const errno = errnoOf(e);
      throw errno === Errno.NOENT || errno === Errno.NOTDIR || errno === Errno.LOOP ? changed(syscall, path) : layerError(e, syscall, path);
    }
    const entries = new Map<string, Slot>();
    let devices: Set<string> | undefined;
    const prefix = hp.endsWith("/") ? hp : hp + "/";
    for (const e of listing) {
      let kind = e.kind;
      // A name the host decoded lossily (not UTF-8) names nothing we could reach again: the directory is unreadable.
      if (e.name.includes("\uFFFD") && this.lstat(prefix + e.name, syscall, path) === undefined) {
        throw new FsError(Errno.IO, syscall, path, "layer listed a name it cannot stat");
      }
      if (kind === "char" || kind === "unknown") {
        // A char device may be an overlayfs whiteout; an unknown kind needs a look.
        const cst = this.lstat(prefix + e.name, syscall, path);
        if (cst === undefined) continue;
        if (isOverlayWhiteout(cst)) {
          const name = WHITEOUT_PREFIX + e.name;
          if (!entries.has(name)) { // a real `.wh.X` file wins
            entries.set(name, DEVICE_WHITEOUT);
            (devices ??= new Set()).add(name);
          }
          continue;
        }
        if (!isShown(cst)) continue;
        kind = cst.kind;
      }
      devices?.delete(e.name);
      if (kind === "file") entries.set(e.name, FILE);
      else if (kind === "dir") entries.set(e.name, DIR);
      else if (kind === "symlink") entries.set(e.name, SYMLINK);
    }
    // Kept only if the path names a real directory (readdir follows a symlink, lstat does not), the one
    // its parent listed, and the parent is still the directory indexed (so no ancestor was swapped either).
    const st = this.lstat(hp, syscall, path);
    if (st === undefined || st.kind !== "dir") throw changed(syscall, path);
    const id = this.ids.idOf(st);
    if (expectedId !== undefined && id !== expectedId) throw changed(syscall, path);
    if (parent !== undefined && !this.same(parent.hostPath, parent.id, syscall, path)) throw changed(syscall, path);
    const dir: IndexedDir = { path, hostPath: hp, id, entries, devices, statted: false };
    if (path === "") this.rootStat ??= Object.freeze(this.ids.entryOf(st)); // checked above to be the root
    this.dirs.set(path, dir);
    return dir;
  }

  /** lstat every name of `dir` once (one batch, then one check of the directory). */
  private statAll(dir: IndexedDir, syscall: string): void {
    const prefix = dir.hostPath.endsWith("/") ? dir.hostPath : dir.hostPath + "/";
    const names: string[] = [];
    const stats: HostStat[] = [];
    for (const [name, slot] of dir.entries) {
      if (typeof slot !== "number") continue;
      const hostName = slot === DEVICE_WHITEOUT ? name.slice(WHITEOUT_PREFIX.length) : name;
      const st = this.lstat(prefix + hostName, syscall, dir.path);
      const ok = st !== undefined && (slot === DEVICE_WHITEOUT ? isOverlayWhiteout(st) : st.kind === TYPES[slot]);
      if (!ok) throw changed(syscall, dir.path === "" ? name : dir.path + "/" + name);
      names.push(name);
      stats.push(st);
    }
    // Kept only once the directory is shown to be the one indexed (else they may describe outside objects).
    this.verify(dir, syscall, dir.path);
    for (let i = 0; i < names.length; i++) dir.entries.set(names[i]!, Object.freeze(this.ids.entryOf(stats[i]!)));
    dir.statted = true;
  }

  /** What is at `path` (already validated). */
  find(path: string, syscall: string): Found {
    if (path === "") {
      if (this.rootStat === undefined) this.dir("", syscall); // indexing the root stats it
      this.rootStat ??= this.rootEntry(syscall);
      return { kind: "entry", stat: this.rootStat, hostPath: this.root, deviceWhiteout: false };
    }
    const slash = path.lastIndexOf("/");
    const dir = this.dir(slash < 0 ? "" : path.slice(0, slash), syscall);
    if (dir === undefined) return ABSENT;
    if (dir === "notdir") return NOTDIR;
    const name = slash < 0 ? path : path.slice(slash + 1);
    let slot = dir.entries.get(name);
    if (slot === undefined) return ABSENT;
    if (typeof slot === "number") {
      if (!dir.statted) this.statAll(dir, syscall);
      slot = dir.entries.get(name)!;
      if (typeof slot === "number") throw changed(syscall, path);
    }
    // A stand-in `.wh.X`'s host object is the device X.
    const deviceWhiteout = dir.devices !== undefined && dir.devices.has(name);
    const hostName = deviceWhiteout ? name.slice(WHITEOUT_PREFIX.length) : name;
    const hp = dir.hostPath.endsWith("/") ? dir.hostPath + hostName : dir.hostPath + "/" + hostName;
    return { kind: "entry", stat: slot, hostPath: hp, deviceWhiteout };
  }

  private rootEntry(syscall: string): EntryStat {
    const st = this.lstat(this.root, syscall, "");
    if (st === undefined || st.kind !== "dir" || this.ids.idOf(st) !== this.rootId) throw changed(syscall, "");
    return Object.freeze(this.ids.entryOf(st));
  }

  /** The names and types directory `path` shows; throws ENOENT / ENOTDIR. */
  list(path: string, syscall: string): { names: string[]; types: EntryType[] } {
    const found = this.find(path, syscall); // checks the directory itself
    if (found.kind === "absent") throw new FsError(Errno.NOENT, syscall, path);
    if (found.kind === "notdir" || found.stat.type !== "dir") throw new FsError(Errno.NOTDIR, syscall, path);
    const dir = this.dir(path, syscall);
    if (dir === undefined || dir === "notdir") throw new FsError(Errno.NOENT, syscall, path);
    const names: string[] = [];
    const types: EntryType[] = [];
    for (const [name, slot] of dir.entries) {
      names.push(name);
      types.push(typeof slot === "number" ? TYPES[slot]! : slot.type);
    }
    return { names, types };
  }

  /** readlink of an indexed symlink, its directory checked after the read (the link read was the one inside the layer). */
  readlink(path: string): string {
    const found = this.find(path, "readlink");
    if (found.kind === "absent") throw new FsError(Errno.NOENT, "readlink", path);
    if (found.kind === "notdir") throw new FsError(Errno.NOTDIR, "readlink", path);
    if (found.stat.type !== "symlink" || found.deviceWhiteout) throw new FsError(Errno.INVAL, "readlink", path);
    let target: string;
    try { target = this.host.readlink(found.hostPath); } catch (e) { throw layerError(e, "readlink", path); }
    this.verify(this.parentOf(path, "readlink"), "readlink", path);
    return target;
  }

  /** Open the indexed regular file `path` for `owner`: the object indexed, checked by fstat. */
  open(owner: DirFileOwner, path: string): DirFile {
    const found = this.find(path, "open");
    if (found.kind === "absent") throw new FsError(Errno.NOENT, "open", path);
    if (found.kind === "notdir") throw new FsError(Errno.NOTDIR, "open", path);
    const { stat, hostPath } = found;
    if (found.deviceWhiteout) {
      const st = this.lstat(hostPath, "open", path);
      if (st === undefined || this.ids.idOf(st) !== stat.id) throw new FsError(Errno.IO, "open", path, CHANGED);
      return new DirFile(owner, -1, hostPath, false, st);
    }
    if (stat.type === "dir") throw new FsError(Errno.ISDIR, "open", path);
    if (stat.type === "symlink") throw new FsError(Errno.LOOP, "open", path);
    let fd: number;
    try { fd = this.host.open(hostPath); } catch (e) {
      const errno = errnoOf(e);
      throw errno === Errno.NOENT || errno === Errno.LOOP || errno === Errno.NOTDIR || errno === Errno.NXIO
        ? new FsError(Errno.IO, "open", path, CHANGED) : layerError(e, "open", path);
    }
    let st: HostStat;
    try { st = this.host.fstat(fd); } catch (e) { closeQuietly(this.host, fd); throw layerError(e, "open", path); }
    // The descriptor must be the object indexed, wherever the path leads now.
    if (st.kind !== "file" || this.ids.idOf(st) !== stat.id) {
      closeQuietly(this.host, fd);
      throw new FsError(Errno.IO, "open", path, CHANGED);
    }
    return new DirFile(owner, fd, hostPath, false, st);
  }

  /** The indexed directory holding `path` (for the check after a readlink). */
  parentOf(path: string, syscall: string): IndexedDir {
    const slash = path.lastIndexOf("/");
    const dir = this.dir(slash < 0 ? "" : path.slice(0, slash), syscall);
    if (dir === undefined || dir === "notdir") throw changed(syscall, path);
    return dir;
  }
}
