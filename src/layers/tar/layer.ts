/**
 * TarLayer: a read-only layer over one uncompressed layer tar, served from an
 * index built by one header scan (index.ts). File content is never copied
 * into the index: a read is a pread of the source (or a copy out of its
 * memory), and `TarFile.view` hands out zero-copy subarrays when the source
 * is in memory. Whiteouts and opaque markers are ordinary entries here, with
 * their raw `.wh.` names; the union interprets them.
 */
import { Errno, FsError } from "../../core/errno.ts";
import type { ContentSource, EntryStat, EntryType, Layer, LayerFile } from "../../core/layer.ts";
import { MemorySource } from "../../sources/byte-source.ts";
import type { ByteSource } from "../../sources/byte-source.ts";
import { ReadAhead } from "../read-ahead.ts";
import { indexTar, KIND_DIR, KIND_FILE, KIND_SYMLINK, TarIndex } from "./index.ts";
import type { IndexTarOptions } from "./index.ts";
import { TarError } from "./errors.ts";

/** Options of the TarLayer constructor. */
export interface TarLayerOptions extends IndexTarOptions {
  /** A ready index of this same source (from `indexTar`, or `TarIndex.fromBytes` of a cached one). */
  index?: TarIndex;
  /** A label for messages (the blob's path or digest). */
  name?: string;
}

const TYPES: Record<number, EntryType> = { [KIND_FILE]: "file", [KIND_DIR]: "dir", [KIND_SYMLINK]: "symlink" };

export class TarLayer implements Layer {
  readonly source: ByteSource;
  readonly index: TarIndex;
  readonly name: string | undefined;
  /** The bytes are in memory (`view` gives them): a read is a copy already, nothing to read ahead. */
  readonly inMemory: boolean;

  /** Index `source` (unless `options.index` is given). Throws TarError on an archive it refuses. */
  constructor(source: ByteSource, options: TarLayerOptions = {}) {
    this.source = source;
    this.name = options.name;
    this.inMemory = source.view?.(0, 0) !== undefined;
    if (options.index !== undefined && options.index.sourceSize !== source.size) {
      throw new TarError(0, "", `the index given was built for a ${options.index.sourceSize}-byte tar, this source has ${source.size} bytes`, options.name);
    }
    try {
      this.index = options.index ?? indexTar(source, options);
    } catch (e) {
      if (options.name !== undefined && e instanceof TarError && e.archive === undefined) throw new TarError(e.offset, e.entry, e.reason, options.name);
      throw e;
    }
  }

  /** A TarLayer over tar bytes in memory (zero-copy: the layer keeps a reference to `bytes`). */
  static fromBytes(bytes: Uint8Array, options: TarLayerOptions = {}): TarLayer {
    return new TarLayer(new MemorySource(bytes), options);
  }

  stat(path: string): EntryStat | undefined {
    const node = this.index.lookup(path);
    return node < 0 ? undefined : this.nodeStat(node);
  }

  statChildren(dir: string, names: readonly string[]): (EntryStat | undefined)[] {
    const node = this.index.lookup(dir);
    const kids = node >= 0 ? this.index.children[node] : undefined;
    return names.map((name) => {
      const child = kids?.get(name);
      return child === undefined ? undefined : this.nodeStat(child);
    });
  }

  readdir(path: string): string[] {
    const kids = this.index.children[this.find(path, "readdir")];
    if (kids === undefined) throw new FsError(Errno.NOTDIR, "readdir", path);
    return [...kids.keys()];
  }

  readlink(path: string): string {
    const node = this.find(path, "readlink");
    const target = this.index.targets.get(node);
    if (this.index.kind[node] !== KIND_SYMLINK || target === undefined) throw new FsError(Errno.INVAL, "readlink", path);
    return target;
  }

  open(path: string): TarFile {
    const node = this.find(path, "open");
    const kind = this.index.kind[node];
    if (kind === KIND_DIR) throw new FsError(Errno.ISDIR, "open", path);
    if (kind !== KIND_FILE) throw new FsError(Errno.LOOP, "open", path, "a symlink");
    return new TarFile(this, node, path);
  }

  /** Close the byte source (a file descriptor for a FileSource). */
  close(): void {
    this.source.close?.();
  }

  /** @internal */
  nodeStat(node: number): EntryStat {
    const ix = this.index;
    const mtimeNs = ix.mtime[node]!;
    const extra = ix.times.get(node);
    return {
      type: TYPES[ix.kind[node]!]!,
      mode: ix.mode[node]!,
      uid: ix.uid[node]!,
      gid: ix.gid[node]!,
      size: ix.size[node]!,
      nlink: ix.nlink[node]!,
      id: node + 1,
      atimeNs: extra?.atime ?? mtimeNs,
      mtimeNs,
      ctimeNs: extra?.ctime ?? mtimeNs,
    };
  }

  private find(path: string, op: string): number {
    const node = this.index.lookup(path);
    if (node === -1) throw new FsError(Errno.NOENT, op, path);
    if (node === -2) throw new FsError(Errno.NOTDIR, op, path);
    return node;
  }
}

/** An open regular file of a TarLayer: reads go straight to the tar bytes. */
export class TarFile implements LayerFile {
  readonly #layer: TarLayer;
  readonly #node: number;
  readonly #path: string;
  readonly #start: number;
  readonly size: number;
  /** Made on the first read (a file opened for one read, or never read, allocates none); null: the tar is in memory, a read is a copy already. */
  #ahead: ReadAhead | null | undefined = undefined;
  #closed = false;

  constructor(layer: TarLayer, node: number, path: string) {
    this.#layer = layer;
    this.#node = node;
    this.#path = path;
    this.#start = layer.index.offset[node]!;
    this.size = layer.index.size[node]!;
  }

  read(into: Uint8Array, position: number): number {
    this.#check("read");
    if (!Number.isSafeInteger(position) || position < 0) throw new FsError(Errno.INVAL, "read", this.#path);
    let ahead = this.#ahead;
    // A tar never changes: bytes read ahead from a source that preads stay the file's bytes.
    if (ahead === undefined) ahead = this.#ahead = this.#layer.inMemory ? null : new ReadAhead(new MemberReader(this.#layer.source, this.#start, this.size));
    return ahead !== null ? ahead.read(into, position) : readMember(this.#layer.source, this.#start, this.size, into, position);
  }

  /**
   * Zero-copy: the bytes [position, position + length) of the file (clamped
   * at EOF) as a view into the source, or undefined when the source is not in
   * memory. Do not write to it.
   */
  view(position = 0, length = this.size - position): Uint8Array | undefined {
    this.#check("read");
    if (!Number.isSafeInteger(position) || position < 0) return undefined;
    const n = Math.max(0, Math.min(length, this.size - position));
    return this.#layer.source.view?.(this.#start + position, n);
  }

  /**
   * The content for a memory upper's lazy copy-up (LayerFile.contentSource):
   * a tar layer never changes, so the bytes stay readable from the layer's
   * source after this file is closed, and no copy is made up front.
   */
  contentSource(): ContentSource {
    this.#check("read");
    return new MemberReader(this.#layer.source, this.#start, this.size);
  }

  stat(): EntryStat {
    this.#check("fstat");
    return this.#layer.nodeStat(this.#node);
  }

  close(): void {
    this.#closed = true;
    this.#ahead?.release();
  }

  #check(op: string): void {
    if (this.#closed) throw new FsError(Errno.BADF, op, this.#path);
  }
}

/** Read the member at [start, start + size) of `source` at `position`, clamped at its end. */
function readMember(source: ByteSource, start: number, size: number, into: Uint8Array, position: number): number {
  if (position >= size || into.length === 0) return 0;
  const n = Math.min(into.length, size - position);
  return source.read(n === into.length ? into : into.subarray(0, n), start + position);
}

/** readMember of one member (a content source, a read-ahead's source: a class, not a closure per member, see PreadSource). */
class MemberReader implements ContentSource {
  readonly #source: ByteSource;
  readonly #start: number;
  readonly #size: number;
  constructor(source: ByteSource, start: number, size: number) {
    this.#source = source;
    this.#start = start;
    this.#size = size;
  }
  read(into: Uint8Array, position: number): number {
    return readMember(this.#source, this.#start, this.#size, into, position);
  }
}
