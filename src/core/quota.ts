/**
 * Quotas on a union's writable layer: a WritableLayer wrapper that counts
 * what the layer stores and refuses (ENOSPC) a change that would go past a
 * limit BEFORE making it, so nothing half-written remains.
 *
 * What is counted (union.usage()):
 * - inodes: every object created in the upper: file, directory, symlink, and
 *   the whiteout files and opaque markers the union writes there. A hard link
 *   adds a name, not an inode. Removing the last name gives it back.
 * - bytes: for every name ENTRY_BYTES (256) plus a symlink's target length,
 *   plus the bytes file contents really store: for a memory upper its local
 *   chunk buffers (a lazy copy-up of a lower file stores nothing until
 *   written; a 4 KiB write into a copied-up 1 GiB file stores those 4 KiB,
 *   plus any gap to what its chunk already holds), for
 *   other uppers (a host directory) the file's size.
 * Only changes made through this union since it was created (or since its
 * last reset/fork) count: what a pre-populated upper already held does not.
 * Space of a removed file is given back when its name goes, even if a
 * descriptor still holds it.
 *
 * Past a limit: ENOSPC (the guest sees a full disk; EDQUOT would need a notion
 * of users). Each layer call is checked before it changes anything, so it
 * happens whole or not at all; directories copied up on the way to a refused
 * change (invisible) stay and count.
 *
 * Being the one way into the upper, it also tells the union's cache of
 * directories walked through (dir-cache.ts) what each change may have moved,
 * before the change is made (a failed change then only costs a lookup).
 */
import { Errno, FsError } from "./errno.ts";
import type { ContentSource, EntryStat, Layer, LayerFile, NewEntryAttr, SetAttr, WritableLayer, WritableLayerFile } from "./layer.ts";
import { childPath } from "./layer.ts";
import { utf8Length } from "./path.ts";
import { checkOptions } from "./fs-options.ts";
import type { DirCache } from "./dir-cache.ts";

/** Limits on a union's writable layer (`new Union(image, upper, { quota })`). */
export interface Quota {
  /** Stored bytes (see Usage). */
  bytes?: number;
  /** Objects created. */
  inodes?: number;
}

/** What the writable layer stores through this union (`union.usage()`). */
export interface Usage {
  bytes: number;
  inodes: number;
}

/** Fixed cost of one name in the upper (directory entry + inode metadata). */
export const ENTRY_BYTES = 256;

/** Validate a Quota option (EINVAL on anything but non-negative safe integers). */
export function checkQuota(quota: unknown): Readonly<Quota> {
  if (typeof quota !== "object" || quota === null) throw new FsError(Errno.INVAL, "union", undefined, "quota must be an object { bytes?, inodes? }");
  const q = checkOptions(quota, ["bytes", "inodes"], "union") as Quota;
  const out: Quota = {};
  for (const k of ["bytes", "inodes"] as const) {
    const v = q[k];
    if (v === undefined) continue;
    if (!Number.isSafeInteger(v) || v < 0) throw new FsError(Errno.INVAL, "union", undefined, `quota.${k} must be a non-negative integer`);
    out[k] = v;
  }
  return Object.freeze(out);
}

function noSpace(syscall: string, path: string | undefined, what: string): FsError {
  return new FsError(Errno.NOSPC, syscall, path === undefined ? undefined : "/" + path, `quota exceeded: ${what}`);
}

/** The accounting upper of one union (one per upper; a reset or fork starts a new one). */
export class QuotaLayer implements WritableLayer {
  readonly writable = true as const;
  readonly inner: WritableLayer;
  readonly #dirs: DirCache;
  readonly #limitBytes: number;
  readonly #limitInodes: number;
  bytes = 0;
  inodes = 0;

  /** Present exactly when the inner layer has it (copy-up then takes the lower's contentSourceOf). */
  readonly createFileFromSource?: (path: string, source: ContentSource, size: number, attr: NewEntryAttr) => void;
  /** Present exactly when the inner layer has them (lookups go through this layer: resolve.ts). */
  readonly statToTraverse?: (path: string) => EntryStat | undefined;
  readonly openKnownFile?: (path: string) => LayerFile | undefined;

  /** `dirs`: the union's cache of directories walked through, told of every change that may move one. */
  constructor(inner: WritableLayer, quota: Readonly<Quota>, dirs: DirCache) {
    this.inner = inner;
    this.#dirs = dirs;
    this.#limitBytes = quota.bytes ?? Infinity;
    this.#limitInodes = quota.inodes ?? Infinity;
    if (inner.createFileFromSource !== undefined) this.createFileFromSource = (p, source, size, attr) => this.#createFromSource(p, source, size, attr);
    if (inner.statToTraverse !== undefined) this.statToTraverse = (p) => inner.statToTraverse!(p);
    if (inner.openKnownFile !== undefined) this.openKnownFile = (p) => inner.openKnownFile!(p);
  }

  #exempt = false;

  /** @internal Run `fn` counted but never refused (bookkeeping that is not the guest's change: Union.fork). */
  exempt<T>(fn: () => T): T {
    this.#exempt = true;
    try {
      return fn();
    } finally {
      this.#exempt = false;
    }
  }

  /** @internal Throw ENOSPC unless `bytes` more stored bytes and `inodes` more objects fit. */
  reserve(bytes: number, inodes: number, syscall: string, path?: string): void {
    if (this.#exempt) return;
    if (inodes > 0 && this.inodes + inodes > this.#limitInodes) throw noSpace(syscall, path, "inodes");
    if (bytes > 0 && this.bytes + bytes > this.#limitBytes) throw noSpace(syscall, path, "bytes");
  }

  /** Stored bytes of the object at `path` (0 if absent), and whether removing this name frees its inode. */
  #held(path: string, st: EntryStat | undefined = this.inner.stat(path)): { bytes: number; inodes: number } {
    if (st === undefined) return { bytes: 0, inodes: 0 };
    let bytes = ENTRY_BYTES + (st.type === "symlink" ? st.size : 0);
    const last = st.type === "dir" || st.nlink <= 1;
    if (st.type === "file" && last) bytes += storedOf(this.inner, path, st);
    return { bytes, inodes: last ? 1 : 0 };
  }

  #release(h: { bytes: number; inodes: number }): void {
    this.bytes = Math.max(0, this.bytes - h.bytes);
    this.inodes = Math.max(0, this.inodes - h.inodes);
  }

  // ---- Layer (reads pass through) ----
  stat(path: string): EntryStat | undefined {
    return this.inner.stat(path);
  }
  readdir(path: string): string[] {
    return this.inner.readdir(path);
  }
  readlink(path: string): string {
    return this.inner.readlink(path);
  }
  open(path: string): LayerFile {
    return this.inner.open(path);
  }
  statChildren(dir: string, names: readonly string[]): (EntryStat | undefined)[] {
    const inner = this.inner;
    return inner.statChildren !== undefined ? inner.statChildren(dir, names) : names.map((n) => inner.stat(childPath(dir, n)));
  }
  close(): void {
    this.inner.close?.();
  }

  // ---- WritableLayer ----
  mkdir(path: string, attr: NewEntryAttr): void {
    this.reserve(ENTRY_BYTES, 1, "mkdir", path);
    this.#dirs.forget(path); // a lower directory copied up: its entry showed no upper copy
    this.inner.mkdir(path, attr);
    this.bytes += ENTRY_BYTES;
    this.inodes++;
  }

  createFile(path: string, attr: NewEntryAttr): void {
    this.reserve(ENTRY_BYTES, 1, "open", path);
    this.#dirs.nameChanged(path); // a whiteout or an opaque marker
    this.inner.createFile(path, attr);
    this.bytes += ENTRY_BYTES;
    this.inodes++;
  }

  createAndOpen(path: string, attr: NewEntryAttr, write: boolean): WritableLayerFile {
    this.reserve(ENTRY_BYTES, 1, "open", path);
    this.#dirs.nameChanged(path);
    const inner = this.inner;
    let f: WritableLayerFile | LayerFile;
    if (inner.createAndOpen !== undefined) {
      f = inner.createAndOpen(path, attr, write);
    } else {
      inner.createFile(path, attr);
      f = write ? inner.openWrite(path) : inner.open(path);
    }
    this.bytes += ENTRY_BYTES;
    this.inodes++;
    return write ? new QuotaFile(this, f as WritableLayerFile, path) : (f as WritableLayerFile);
  }

  /**
   * Copy-up: a lazy memory upper stores nothing now, a host upper copies the
   * file. The copy is measured once made and removed again if it does not fit
   * (a host upper is refused up front from the source size).
   */
  createFileFrom(path: string, source: LayerFile, attr: NewEntryAttr): void {
    // Ask for a content source only where it is kept: taking one pins the lower descriptor.
    const lazy = this.inner.successor !== undefined && source.contentSource?.() !== undefined;
    this.reserve(ENTRY_BYTES + (lazy ? 0 : source.stat().size), 1, "copyup", path);
    this.#dirs.nameChanged(path);
    this.inner.createFileFrom(path, source, attr);
    // Measured, not assumed: a source in the upper itself (a hard link broken up) is copied for real.
    const stored = storedOf(this.inner, path, this.inner.stat(path));
    if (!this.#exempt && this.bytes + ENTRY_BYTES + stored > this.#limitBytes) {
      this.inner.unlink(path);
      throw noSpace("copyup", path, "bytes");
    }
    this.bytes += ENTRY_BYTES + stored;
    this.inodes++;
  }

  /** Copy-up by reference: the new file stores nothing until written (its writes are counted as they come). */
  #createFromSource(path: string, source: ContentSource, size: number, attr: NewEntryAttr): void {
    this.reserve(ENTRY_BYTES, 1, "copyup", path);
    this.#dirs.nameChanged(path);
    this.inner.createFileFromSource!(path, source, size, attr);
    this.bytes += ENTRY_BYTES;
    this.inodes++;
  }

  symlink(path: string, target: string, attr?: Partial<NewEntryAttr>): void {
    const cost = ENTRY_BYTES + utf8Length(target);
    this.reserve(cost, 1, "symlink", path);
    this.#dirs.nameChanged(path);
    this.inner.symlink(path, target, attr);
    this.bytes += cost;
    this.inodes++;
  }

  link(existing: string, newPath: string): void {
    this.reserve(ENTRY_BYTES, 0, "link", newPath);
    this.#dirs.nameChanged(newPath);
    this.inner.link(existing, newPath);
    this.bytes += ENTRY_BYTES;
  }

  unlink(path: string): void {
    this.unlinkSeen(path, this.inner.stat(path));
  }

  /**
   * unlink of `path`, whose stat in the inner layer the caller has just had
   * (`st`: the upper object its lookup found in this same call, nothing changed
   * since), so the bytes it frees need not be asked again.
   */
  unlinkSeen(path: string, st: EntryStat | undefined): void {
    const h = this.#held(path, st);
    this.#dirs.nameChanged(path); // a whiteout gone: the name's lower copy shows again
    this.inner.unlink(path);
    this.#release(h);
  }

  rmdir(path: string): void {
    const h = this.#held(path);
    this.#dirs.forget(path);
    this.inner.rmdir(path);
    this.#release(h);
  }

  removeTree(path: string): void {
    // A deletion: walking what goes is fine (it is what the layer does too).
    const total = { bytes: 0, inodes: 0 };
    const stack = [path];
    while (stack.length > 0) {
      const p = stack.pop()!;
      const st = this.inner.stat(p);
      const h = this.#held(p, st);
      total.bytes += h.bytes;
      total.inodes += h.inodes;
      if (st?.type === "dir") for (const n of this.inner.readdir(p)) stack.push(childPath(p, n));
    }
    this.#dirs.forget(path);
    this.inner.removeTree(path);
    this.#release(total);
  }

  rename(from: string, to: string): void {
    const t = this.inner.stat(to);
    const replaced = t !== undefined && this.inner.stat(from)?.id !== t.id ? this.#held(to, t) : undefined;
    // Either may be a directory, or a whiteout or marker; a file's names are never entries (forgetting costs a few gets).
    this.#dirs.forget(from);
    this.#dirs.forget(to);
    this.#dirs.nameChanged(from);
    this.#dirs.nameChanged(to);
    this.inner.rename(from, to);
    if (replaced !== undefined) this.#release(replaced);
  }

  setattr(path: string, attr: SetAttr): void {
    // A directory's entry keeps its mode and owner exact (creating in it reads them); its times may be stale.
    if (attr.mode !== undefined || attr.uid !== undefined || attr.gid !== undefined) this.#dirs.forget(path);
    this.inner.setattr(path, attr);
  }

  openWrite(path: string): WritableLayerFile {
    return new QuotaFile(this, this.inner.openWrite(path), path);
  }

  /** @internal Charge writes through `file` (an object outside this layer: Union.fork's private copies) to this quota. */
  adopt(file: WritableLayerFile, path: string): WritableLayerFile {
    return new QuotaFile(this, file, path);
  }
}

/** Bytes the file at `path` stores in `layer` (its size where the layer cannot tell). */
function storedOf(layer: Layer & { readonly storesFileSizes?: boolean }, path: string, st: EntryStat | undefined): number {
  if (st === undefined || st.type !== "file") return 0;
  if (layer.storesFileSizes === true) return st.size;
  const f = layer.open(path) as LayerFile & Partial<WritableLayerFile>;
  try {
    return f.storedBytes?.() ?? st.size;
  } finally {
    f.close();
  }
}

/** A writable file of a quota'd upper: every write or growing truncate is checked first. */
class QuotaFile implements WritableLayerFile {
  readonly #q: QuotaLayer;
  readonly #f: WritableLayerFile;
  readonly #path: string;

  /** Present exactly when the layer file has it (UpperFile falls back to the path otherwise). */
  readonly setTimes?: (atimeNs: bigint | undefined, mtimeNs: bigint | undefined) => void;

  constructor(q: QuotaLayer, f: WritableLayerFile, path: string) {
    this.#q = q;
    this.#f = f;
    this.#path = path;
    if (f.setTimes !== undefined) this.setTimes = (a, m) => f.setTimes!(a, m);
  }

  #stored(): number {
    return this.#f.storedBytes?.() ?? this.#f.stat().size;
  }

  /** Run `change` after reserving `growth` bytes; account the bytes it really added or freed. */
  #charged<T>(growth: number, syscall: string, change: () => T): T {
    this.#q.reserve(growth, 0, syscall, this.#path);
    const before = this.#stored();
    const r = change();
    this.#q.bytes = Math.max(0, this.#q.bytes + this.#stored() - before);
    return r;
  }

  read(into: Uint8Array, position: number): number {
    return this.#f.read(into, position);
  }
  stat(): EntryStat {
    return this.#f.stat();
  }
  sizeNow(): number {
    const f = this.#f;
    return f.sizeNow !== undefined ? f.sizeNow() : f.stat().size;
  }
  contentSource(): undefined {
    return undefined;
  }
  storedBytes(): number {
    return this.#stored();
  }
  writeGrowth(length: number, position: number): number {
    const f = this.#f;
    return f.writeGrowth !== undefined ? f.writeGrowth(length, position) : Math.max(0, position + length - f.stat().size);
  }

  write(data: Uint8Array, position: number): number {
    const f = this.#f;
    if (data.length === 0) return f.write(data, position);
    if (f.storedBytes !== undefined) {
      // Counted by stored chunks (no closure: this runs on every guest write).
      this.#q.reserve(this.writeGrowth(data.length, position), 0, "write", this.#path);
      const before = f.storedBytes();
      const n = f.write(data, position);
      this.#q.bytes = Math.max(0, this.#q.bytes + f.storedBytes() - before);
      return n;
    }
    if (f.writeGrowth !== undefined) {
      // Counted by size, the growth told by the file (a host file tracks its size: no host call per write).
      const growth = f.writeGrowth(data.length, position);
      this.#q.reserve(growth, 0, "write", this.#path);
      const n = f.write(data, position);
      this.#q.bytes += Math.max(0, growth - (data.length - n));
      return n;
    }
    // Counted by size: one stat gives the growth, and the size after is max(before, end) (one host fstat per write, not three).
    const before = f.stat().size;
    this.#q.reserve(Math.max(0, position + data.length - before), 0, "write", this.#path);
    const n = f.write(data, position);
    this.#q.bytes = Math.max(0, this.#q.bytes + Math.max(before, position + n) - before);
    return n;
  }

  truncate(size: number): void {
    const f = this.#f;
    // Growing a memory file is sparse (stores nothing); a host file is counted by size.
    const growth = f.storedBytes !== undefined ? 0 : Math.max(0, size - f.stat().size);
    this.#charged(growth, "ftruncate", () => f.truncate(size));
  }

  sync(): void {
    this.#f.sync();
  }
  close(): void {
    this.#f.close();
  }
}
