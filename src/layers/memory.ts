/**
 * MemoryLayer: a writable layer held in memory. The default upper layer of a
 * union, and the quick way to build lower layers for tests and examples
 * (`MemoryLayer.from(spec)`).
 *
 * A tree of nodes (inodes): directories map names to nodes, hard-link aliases
 * are several names for one node, so ids and content are shared by
 * construction. File content is a ChunkedContent: a copy-up (`createFileFrom`)
 * keeps a reference to the lower file and stores only chunks written later; a
 * rename moves a node reference, so a deep directory rename copies no bytes.
 * Open handles hold the node, so they survive rename and unlink.
 * memory-nodes.ts: the nodes; memory-file.ts: the open file; memory-spec.ts:
 * `from(spec)`.
 */
import "../core/dispose-symbol.ts"; // Symbol.dispose in the emitted types (see there)
import { Errno, FsError } from "../core/errno.ts";
import { checkLayerPath, nowNs } from "../core/layer.ts"; // nowNs is strictly increasing: ctime never steps back
import type { EntryStat, EntryType, LayerFile, NewEntryAttr, SetAttr, WritableLayer, WritableLayerFile } from "../core/layer.ts";
import { ChunkedContent } from "./chunked-content.ts";
import type { ContentSource, ContentUsage, SizedContentSource } from "./chunked-content.ts";
import { MemoryFile } from "./memory-file.ts";
import { checkedId, newDir, newFile, newSymlink, statOf, touch } from "./memory-nodes.ts";
import type { DirNode, FileNode, MemNode } from "./memory-nodes.ts";
import { buildFromSpec } from "./memory-spec.ts";
import type { MemoryLayerFromOptions, MemorySpec } from "./memory-spec.ts";

export type { GeneratedFileSpec, MemoryLayerFromOptions, MemorySpec, MemorySpecEntry, SpecAttrs } from "./memory-spec.ts";

/** Options of `new MemoryLayer()`. */
export interface MemoryLayerOptions {
  /** Content chunk size (power of two, default 64 KiB). */
  chunkSize?: number;
}

// ---------------------------------------------------------------- layer ---

/**
 * A writable in-memory layer.
 *
 * @example
 * ```ts
 * const lower = MemoryLayer.from({ "etc/": {}, "etc/hostname": "box\n", "bin/sh": { file: "#!", mode: 0o755 } });
 * const upper = new MemoryLayer();
 * ```
 */
export class MemoryLayer implements WritableLayer {
  readonly writable = true as const;
  readonly chunkSize: number | undefined;
  #root: DirNode;
  /**
   * Where new ids come from: shared by a layer and all its successors (and
   * theirs), so no two layers of one lineage ever give an object the same id.
   * Union.fork makes several successors of one upper (parent, child, private
   * copies of unlinked open files) whose objects meet again in one union.
   * A layer that never had a successor counts in #nextId (no object per layer).
   */
  #ids: { next: number } | undefined;
  #nextId = 1;
  #frozen = false;
  #disposed = false;
  /** Union inode numbers by id, for a layer frozen by Union.fork (Layer.unionInodes). */
  #inos: ReadonlyMap<number, number> | undefined;

  constructor(options: MemoryLayerOptions = {}) {
    // A bad chunk size fails here (EINVAL from ChunkedContent), not at the first file.
    if (options.chunkSize !== undefined) new ChunkedContent(options.chunkSize);
    this.chunkSize = options.chunkSize;
    const t = nowNs();
    this.#root = newDir(this.#allocId(), { mode: 0o755 }, t);
  }

  /** Build a layer from a plain object (see MemorySpec). */
  static from(spec: MemorySpec, options: MemoryLayerFromOptions = {}): MemoryLayer {
    const layer = new MemoryLayer();
    const l = layer;
    buildFromSpec({ root: l.#root, allocId: () => l.#allocId(), chunkSize: l.chunkSize, walk: (p, sys) => l.#walk(p, sys) }, spec, options);
    if (options.freeze) layer.freeze();
    return layer;
  }

  /** Make the layer read-only: every later mutation (and write through open handles) throws EROFS. */
  freeze(): this {
    this.#live("freeze");
    this.#frozen = true;
    return this;
  }

  /**
   * Done with this layer for good: its files' chunk buffers go to the chunk
   * pool (chunk-pool.ts: later writes of any memory layer reuse them instead
   * of faulting in fresh memory), and every later call on the layer or on a
   * handle of one of its files throws EBADF. A file whose content another
   * layer references (a copy-up by reference) keeps it. A frozen layer (a
   * Union.fork snapshot, `from(spec, { freeze: true })`) may be a lower of
   * other unions: dispose leaves it alone. Idempotent. `Union.dispose()`
   * calls it for its upper.
   */
  dispose(): void {
    if (this.#frozen || this.#disposed) return;
    this.#disposed = true;
    const stack: DirNode[] = [this.#root];
    while (stack.length > 0) {
      const d = stack.pop()!;
      for (const child of d.entries.values()) {
        if (child.kind === "dir") stack.push(child);
        else if (child.kind === "file") child.content.release();
      }
    }
  }

  /** `using upper = new MemoryLayer()`: dispose() at the end of the scope. */
  [Symbol.dispose](): void {
    this.dispose();
  }

  /** Whether dispose() released this layer. */
  get disposed(): boolean {
    return this.#disposed;
  }

  get frozen(): boolean {
    return this.#frozen;
  }

  /**
   * Union.fork: freeze in O(1) (the chunks become immutable and are shared by
   * every union stacked on it) and keep the union's inode numbers of its objects.
   */
  freezeAsLayer(inos: ReadonlyMap<number, number> = new Map()): this {
    this.#inos = inos;
    return this.freeze();
  }

  /** Layer.unionInodes: set only on a layer frozen by Union.fork. */
  get unionInodes(): ReadonlyMap<number, number> | undefined {
    return this.#inos;
  }

  /**
   * A fresh empty layer with the same chunk size (Union.reset / fork), O(1).
   * It draws ids from this layer's id space: no object of it ever shares an
   * id with one of this layer or of any other successor of either.
   */
  successor(): MemoryLayer {
    this.#live("successor");
    const next = new MemoryLayer(this.chunkSize === undefined ? {} : { chunkSize: this.chunkSize });
    this.#ids ??= { next: this.#nextId };
    next.#ids = this.#ids; // after its root took id 1 (every root has id 1)
    return next;
  }

  /** Memory accounting of the file at `path` (chunks actually stored). ENOENT / EISDIR otherwise. */
  contentUsage(path: string): ContentUsage {
    return this.#fileAt(path, "contentUsage").content.usage();
  }

  /**
   * Memory held by the whole layer: files (each hard-linked file once), their
   * local chunks and chunk bytes, and how many still reference a lower source.
   */
  usage(): { entries: number; files: number; chunks: number; bytes: number; referencing: number } {
    this.#live("usage");
    const seen = new Set<FileNode>();
    let entries = 0;
    const stack: DirNode[] = [this.#root];
    while (stack.length > 0) {
      const d = stack.pop()!;
      for (const child of d.entries.values()) {
        entries++;
        if (child.kind === "dir") stack.push(child);
        else if (child.kind === "file") seen.add(child);
      }
    }
    let chunks = 0;
    let bytes = 0;
    let referencing = 0;
    for (const f of seen) {
      const u = f.content.usage();
      chunks += u.chunks;
      bytes += u.bytes;
      if (u.referencesSource) referencing++;
    }
    return { entries, files: seen.size, chunks, bytes, referencing };
  }

  // ---- Layer ----

  stat(path: string): EntryStat | undefined {
    const node = this.#lookup(path, "stat", false);
    return node === undefined ? undefined : statOf(node);
  }

  readdir(path: string): string[] {
    const node = this.#walk(path, "readdir");
    if (node.kind !== "dir") throw new FsError(Errno.NOTDIR, "readdir", path);
    return [...node.entries.keys()];
  }

  /**
   * Layer.readdirTyped: the names with their nodes' kinds. A lower index then merges
   * without a stat object per name, and stats what it shows on first use, in the order
   * it is used (core/lower-index.ts).
   */
  readdirTyped(path: string): { names: string[]; types: EntryType[] } {
    const node = this.#walk(path, "readdir");
    if (node.kind !== "dir") throw new FsError(Errno.NOTDIR, "readdir", path);
    const names: string[] = [];
    const types: EntryType[] = [];
    for (const [name, child] of node.entries) {
      names.push(name);
      types.push(child.kind);
    }
    return { names, types };
  }

  readlink(path: string): string {
    const node = this.#walk(path, "readlink");
    if (node.kind !== "symlink") throw new FsError(Errno.INVAL, "readlink", path);
    return node.target;
  }

  open(path: string): LayerFile {
    return new MemoryFile(this, this.#fileAt(path, "open"), false);
  }

  // ---- WritableLayer ----

  openWrite(path: string): WritableLayerFile {
    this.#checkWritable("open", path);
    return new MemoryFile(this, this.#fileAt(path, "open"), true);
  }

  mkdir(path: string, attr: NewEntryAttr): void {
    const { dir, name } = this.#creatable("mkdir", path);
    const t = nowNs();
    this.#insert(dir, name, newDir(this.#allocId(), attr, t), t);
  }

  createFile(path: string, attr: NewEntryAttr): void {
    const { dir, name } = this.#creatable("open", path);
    const t = nowNs();
    this.#insert(dir, name, newFile(this.#allocId(), new ChunkedContent(this.chunkSize), attr, t), t);
  }

  /** createFile, then open the new file (WritableLayer.createAndOpen): no second path walk. */
  createAndOpen(path: string, attr: NewEntryAttr, write: boolean): WritableLayerFile {
    const { dir, name } = this.#creatable("open", path);
    const t = nowNs();
    const node = newFile(this.#allocId(), new ChunkedContent(this.chunkSize), attr, t);
    this.#insert(dir, name, node, t);
    return new MemoryFile(this, node, write);
  }

  /**
   * Copy-up without copying: the new file references the source's
   * `contentSource()` (a MemoryLayer file's content itself) and stores only
   * chunks written later. The handle is the caller's (layer.ts ownership
   * rule): it is neither closed nor kept. A source without a contentSource
   * is copied now.
   */
  createFileFrom(path: string, source: LayerFile, attr: NewEntryAttr): void {
    const { dir, name } = this.#creatable("copyup", path);
    const size = source.stat().size;
    const t = nowNs();
    let content: ChunkedContent;
    const lazy = source instanceof MemoryFile && source.layer === this ? undefined : source.contentSource?.();
    if (lazy !== undefined) {
      content = ChunkedContent.fromSource(lazy, size, this.chunkSize);
    } else {
      // A source in this very layer can still change, and a handle is not ours to keep: copy the bytes.
      content = copyOf(source, size, this.chunkSize);
    }
    this.#insert(dir, name, newFile(this.#allocId(), content, attr, t), t);
  }

  /** Copy-up by reference to a lower layer's contentSourceOf (WritableLayer.createFileFromSource): nothing is read now. */
  createFileFromSource(path: string, source: ContentSource, size: number, attr: NewEntryAttr): void {
    const { dir, name } = this.#creatable("copyup", path);
    const content = ChunkedContent.fromSource(source, size, this.chunkSize);
    const t = nowNs();
    this.#insert(dir, name, newFile(this.#allocId(), content, attr, t), t);
  }

  symlink(path: string, target: string, attr: Partial<NewEntryAttr> = {}): void {
    const { dir, name } = this.#creatable("symlink", path);
    const t = nowNs();
    this.#insert(dir, name, newSymlink(this.#allocId(), target, attr, t), t);
  }

  link(existing: string, newPath: string): void {
    this.#checkWritable("link", newPath);
    const node = this.#walk(existing, "link");
    if (node.kind === "dir") throw new FsError(Errno.PERM, "link", existing);
    const { dir, name } = this.#creatable("link", newPath);
    const t = nowNs();
    node.nlink++;
    node.ctimeNs = t;
    this.#insert(dir, name, node, t);
  }

  unlink(path: string): void {
    this.#checkWritable("unlink", path);
    const { dir, name } = this.#parent(path, "unlink");
    const node = dir.entries.get(name);
    if (node === undefined) throw new FsError(Errno.NOENT, "unlink", path);
    if (node.kind === "dir") throw new FsError(Errno.ISDIR, "unlink", path);
    this.#detach(dir, name, node, nowNs());
  }

  rmdir(path: string): void {
    this.#checkWritable("rmdir", path);
    const { dir, name } = this.#parent(path, "rmdir");
    const node = dir.entries.get(name);
    if (node === undefined) throw new FsError(Errno.NOENT, "rmdir", path);
    if (node.kind !== "dir") throw new FsError(Errno.NOTDIR, "rmdir", path);
    if (node.entries.size > 0) throw new FsError(Errno.NOTEMPTY, "rmdir", path);
    this.#detach(dir, name, node, nowNs());
  }

  removeTree(path: string): void {
    this.#checkWritable("rmdir", path);
    const { dir, name } = this.#parent(path, "rmdir");
    const node = dir.entries.get(name);
    if (node === undefined) throw new FsError(Errno.NOENT, "rmdir", path);
    if (node.kind !== "dir") throw new FsError(Errno.NOTDIR, "rmdir", path);
    const t = nowNs();
    // Iterative, so very deep trees cannot overflow the stack. Every name removed
    // drops one link (a file may keep living under a name outside the tree).
    const stack: DirNode[] = [node];
    while (stack.length > 0) {
      const d = stack.pop()!;
      for (const child of d.entries.values()) {
        if (child.kind === "dir") {
          child.nlink = 0;
          stack.push(child);
        } else {
          child.nlink--;
          child.ctimeNs = t;
          if (child.kind === "file") this.#releaseIfDead(child);
        }
      }
      d.entries.clear();
    }
    this.#detach(dir, name, node, t);
  }

  rename(from: string, to: string): void {
    this.#checkWritable("rename", from);
    // Both parents resolve before the source is looked at (Linux order).
    const src = this.#parent(from, "rename");
    const dst = this.#parent(to, "rename");
    const node = src.dir.entries.get(src.name);
    if (node === undefined) throw new FsError(Errno.NOENT, "rename", from);
    const target = dst.dir.entries.get(dst.name);
    if (node === target) return; // same name, or two links to one file: POSIX no-op
    if (node.kind === "dir" && to.startsWith(from + "/")) {
      throw new FsError(Errno.INVAL, "rename", to, "directory into itself");
    }
    if (from.startsWith(to + "/")) throw new FsError(Errno.NOTEMPTY, "rename", to);
    if (target !== undefined) {
      if (node.kind === "dir") {
        if (target.kind !== "dir") throw new FsError(Errno.NOTDIR, "rename", to);
        if (target.entries.size > 0) throw new FsError(Errno.NOTEMPTY, "rename", to);
      } else if (target.kind === "dir") {
        throw new FsError(Errno.ISDIR, "rename", to);
      }
    }
    const t = nowNs();
    if (target !== undefined) this.#detach(dst.dir, dst.name, target, t);
    src.dir.entries.delete(src.name);
    dst.dir.entries.set(dst.name, node);
    if (node.kind === "dir" && src.dir !== dst.dir) {
      src.dir.nlink--;
      dst.dir.nlink++;
    }
    node.ctimeNs = t;
    touch(src.dir, t);
    touch(dst.dir, t);
  }

  setattr(path: string, attr: SetAttr): void {
    this.#checkWritable("setattr", path);
    const node = this.#walk(path, "setattr");
    if (attr.mode !== undefined) node.mode = attr.mode & 0o7777;
    if (attr.uid !== undefined) node.uid = attr.uid;
    if (attr.gid !== undefined) node.gid = attr.gid;
    if (attr.atimeNs !== undefined) node.atimeNs = attr.atimeNs;
    if (attr.mtimeNs !== undefined) node.mtimeNs = attr.mtimeNs;
    node.ctimeNs = nowNs();
  }

  // ---- internals ----

  /** @internal used by MemoryFile */
  checkWritable(syscall: string, path?: string): void {
    this.#checkWritable(syscall, path);
  }

  /** @internal used by MemoryFile: its node's last handle closed. */
  closed(node: FileNode): void {
    this.#releaseIfDead(node);
  }

  #checkWritable(syscall: string, path?: string): void {
    this.#live(syscall, path);
    if (this.#frozen) throw new FsError(Errno.ROFS, syscall, path);
  }

  #live(syscall: string, path?: string): void {
    if (this.#disposed) throw new FsError(Errno.BADF, syscall, path, "the memory layer was disposed");
  }

  /**
   * No name and no open handle reaches `node` any more: its chunks are dead,
   * back to the pool. Never in a frozen layer, whose objects other unions
   * read (and never a lent content: ChunkedContent.release).
   */
  #releaseIfDead(node: FileNode): void {
    if (node.nlink === 0 && node.opens === 0 && !this.#frozen) node.content.release();
  }

  #allocId(): number {
    return checkedId(this.#ids === undefined ? this.#nextId++ : this.#ids.next++);
  }

  /** Add a (new or extra-linked) node under `dir`. */
  #insert(dir: DirNode, name: string, node: MemNode, t: bigint): void {
    dir.entries.set(name, node);
    if (node.kind === "dir") dir.nlink++;
    touch(dir, t);
  }

  /** Remove one name of `node` from `dir`. */
  #detach(dir: DirNode, name: string, node: MemNode, t: bigint): void {
    dir.entries.delete(name);
    if (node.kind === "dir") {
      dir.nlink--;
      node.nlink = 0;
    } else {
      node.nlink--;
      if (node.kind === "file") this.#releaseIfDead(node);
    }
    node.ctimeNs = t;
    touch(dir, t);
  }

  /** MemNode at `path`, or undefined if absent (also when a parent is not a directory). */
  #find(path: string): MemNode | undefined {
    return this.#lookup(path, "stat", false);
  }

  /** MemNode at `path`; throws ENOENT, or ENOTDIR when a parent is not a directory. */
  #walk(path: string, syscall: string): MemNode {
    return this.#lookup(path, syscall, true)!;
  }

  /** Walk `path` one name at a time; a missing name or non-directory parent throws when `strict`, else gives undefined. */
  #lookup(path: string, syscall: string, strict: boolean): MemNode | undefined {
    this.#live(syscall, path);
    if (path === "") return this.#root;
    checkLayerPath(path, syscall);
    let node: MemNode = this.#root;
    let start = 0;
    for (;;) {
      const slash = path.indexOf("/", start);
      const name = slash < 0 ? path.slice(start) : path.slice(start, slash);
      if (node.kind !== "dir") {
        if (strict) throw new FsError(Errno.NOTDIR, syscall, path);
        return undefined;
      }
      const next = node.entries.get(name);
      if (next === undefined) {
        if (strict) throw new FsError(Errno.NOENT, syscall, path);
        return undefined;
      }
      node = next;
      if (slash < 0) return node;
      start = slash + 1;
    }
  }

  /** Parent directory and last name of `path`; the root itself gives EBUSY. */
  #parent(path: string, syscall: string): { dir: DirNode; name: string } {
    if (path === "") throw new FsError(Errno.BUSY, syscall, path);
    checkLayerPath(path, syscall);
    const slash = path.lastIndexOf("/");
    const name = path.slice(slash + 1);
    const dir = slash < 0 ? this.#root : this.#walk(path.slice(0, slash), syscall);
    if (dir.kind !== "dir") throw new FsError(Errno.NOTDIR, syscall, path);
    return { dir, name };
  }

  /** Parent of a name to be created: must be writable, the parent must exist, the name free. */
  #creatable(syscall: string, path: string): { dir: DirNode; name: string } {
    this.#checkWritable(syscall, path);
    if (path === "") throw new FsError(Errno.EXIST, syscall, path);
    const p = this.#parent(path, syscall);
    if (p.dir.entries.has(p.name)) throw new FsError(Errno.EXIST, syscall, path);
    return p;
  }

  #fileAt(path: string, syscall: string): FileNode {
    const node = this.#walk(path, syscall);
    if (node.kind === "dir") throw new FsError(Errno.ISDIR, syscall, path);
    if (node.kind === "symlink") throw new FsError(Errno.LOOP, syscall, path, "symlink");
    return node;
  }

}

// ---------------------------------------------------------------- helpers ---

/** Content holding a copy of `source`'s `size` bytes, read in chunk-sized pieces. */
function copyOf(source: LayerFile, size: number, chunkSize: number | undefined): ChunkedContent {
  const content = new ChunkedContent(chunkSize);
  const buf = new Uint8Array(Math.min(size, content.chunkSize));
  let pos = 0;
  while (pos < size) {
    const n = source.read(buf.subarray(0, Math.min(buf.length, size - pos)), pos);
    if (!(n > 0)) break;
    content.write(buf.subarray(0, n), pos);
    pos += n;
  }
  if (content.size < size) content.truncate(size);
  return content;
}

export type { ContentSource, ContentUsage, SizedContentSource };
