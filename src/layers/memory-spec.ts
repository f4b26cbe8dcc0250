/** MemoryLayer.from: a layer built from a plain object (the spec). */
import { Errno, FsError } from "../core/errno.ts";
import { checkLayerPath, nowNs } from "../core/layer.ts";
import type { NewEntryAttr } from "../core/layer.ts";
import { ChunkedContent, FillSource } from "./chunked-content.ts";
import type { ContentSource } from "./chunked-content.ts";
import { newDir, newFile, newSymlink } from "./memory-nodes.ts";
import type { DirNode, FileNode, MemNode } from "./memory-nodes.ts";

/** Optional attributes of a spec entry. `mtimeNs` also sets atime and ctime unless given. */
export interface SpecAttrs {
  mode?: number;
  uid?: number;
  gid?: number;
  atimeNs?: bigint;
  mtimeNs?: bigint;
}

/**
 * A generated file of `size` bytes that allocates nothing: every byte `fill`
 * (default 0) or a repeating pattern; or any `read(into, position)` source.
 */
export interface GeneratedFileSpec {
  size: number;
  fill?: number | Uint8Array;
  read?: (into: Uint8Array, position: number) => number;
}

/** One entry of a `MemoryLayer.from` spec. */
export type MemorySpecEntry =
  | string
  | Uint8Array
  | Record<string, never>
  | ({ file: string | Uint8Array | GeneratedFileSpec } & SpecAttrs)
  | ({ dir: true } & SpecAttrs)
  | ({ symlink: string } & SpecAttrs)
  | { link: string };

/**
 * Keys are layer-relative paths ("a/b"; a leading "/" is ignored). A key ending
 * in "/" or the value `{}` makes a directory. Parents are created implicitly as
 * 0o755 directories. `{ link: "other/path" }` makes a hard link (resolved after
 * every other entry, so key order does not matter).
 */
export type MemorySpec = Record<string, MemorySpecEntry>;

/** Options of `MemoryLayer.from`. */
export interface MemoryLayerFromOptions {
  /** Time for every entry without its own mtimeNs (default: now). Makes fixtures deterministic. */
  timeNs?: bigint;
  /** Default owner. */
  uid?: number;
  gid?: number;
  /** Freeze the result (read-only: mutations throw EROFS). */
  freeze?: boolean;
}

/** The empty layer being built: its root, its id counter, chunk size and path walk. */
export interface SpecTarget {
  readonly root: DirNode;
  allocId(): number;
  readonly chunkSize: number | undefined;
  walk(path: string, syscall: string): MemNode;
}

const encoder = new TextEncoder();

/** Fill the empty layer `into` from `spec` (see MemorySpec). */
export function buildFromSpec(into: SpecTarget, spec: MemorySpec, options: MemoryLayerFromOptions): void {
  const t = options.timeNs ?? nowNs();
  const defaults = { uid: options.uid ?? 0, gid: options.gid ?? 0 };
  const root = into.root;
  root.atimeNs = root.mtimeNs = root.ctimeNs = t;
  root.uid = defaults.uid;
  root.gid = defaults.gid;
  const links: [string, string][] = [];
  // Explicit directory attributes are applied last: adding children must not
  // overwrite them, and an implicit parent may be declared after its children.
  const dirAttrs: [DirNode, SpecAttrs][] = [];
  let cacheKey = "";
  let cacheDir = root;

  const ensureDir = (path: string): DirNode => {
    if (path === "") return root;
    if (path === cacheKey) return cacheDir;
    let dir = root;
    checkLayerPath(path, "mkdir");
    for (const name of path.split("/")) {
      let next = dir.entries.get(name);
      if (next === undefined) {
        next = newDir(into.allocId(), { mode: 0o755, ...defaults }, t);
        dir.entries.set(name, next);
        dir.nlink++;
      } else if (next.kind !== "dir") {
        throw new FsError(Errno.NOTDIR, "mkdir", path);
      }
      dir = next;
    }
    cacheKey = path;
    cacheDir = dir;
    return dir;
  };
  const put = (path: string, make: () => MemNode): void => {
    if (path === "") throw new FsError(Errno.INVAL, "open", path, "the root is a directory");
    checkLayerPath(path, "open");
    const slash = path.lastIndexOf("/");
    const dir = ensureDir(slash < 0 ? "" : path.slice(0, slash));
    const name = path.slice(slash + 1);
    if (dir.entries.has(name)) throw new FsError(Errno.EXIST, "open", path, "duplicate spec entry");
    dir.entries.set(name, make());
  };
  const attrsOf = (v: SpecAttrs) => ({
    ...defaults,
    ...(v.mode !== undefined ? { mode: v.mode } : {}),
    ...(v.uid !== undefined ? { uid: v.uid } : {}),
    ...(v.gid !== undefined ? { gid: v.gid } : {}),
    ...(v.mtimeNs !== undefined ? { mtimeNs: v.mtimeNs } : {}),
    ...(v.atimeNs !== undefined ? { atimeNs: v.atimeNs } : {}),
  });
  const fileNode = (data: string | Uint8Array | GeneratedFileSpec, attrs: Partial<NewEntryAttr>, ctime: bigint): FileNode => {
    let content: ChunkedContent;
    if (typeof data === "string") content = ChunkedContent.fromBytes(encoder.encode(data), false, into.chunkSize);
    else if (data instanceof Uint8Array) content = ChunkedContent.fromBytes(data, true, into.chunkSize);
    else content = ChunkedContent.fromSource(generatedSource(data), data.size, into.chunkSize);
    return newFile(into.allocId(), content, attrs, ctime);
  };

  for (const rawKey of Object.keys(spec)) {
    const value = spec[rawKey]!;
    const isDirKey = rawKey.endsWith("/");
    const path = trimSlashes(rawKey);
    if (typeof value === "string" || value instanceof Uint8Array) {
      if (isDirKey) throw new FsError(Errno.INVAL, "from", rawKey, "a key ending in / must be a directory");
      put(path, () => fileNode(value, defaults, t));
      continue;
    }
    if (typeof value !== "object" || value === null) {
      throw new FsError(Errno.INVAL, "from", rawKey, "bad spec value");
    }
    if ("link" in value) {
      links.push([trimSlashes(value.link), path]);
      continue;
    }
    if ("symlink" in value) {
      if (isDirKey) throw new FsError(Errno.INVAL, "from", rawKey, "a key ending in / must be a directory");
      const a = attrsOf(value);
      put(path, () => newSymlink(into.allocId(), value.symlink, a, a.mtimeNs ?? t));
      continue;
    }
    if ("file" in value) {
      if (isDirKey) throw new FsError(Errno.INVAL, "from", rawKey, "a key ending in / must be a directory");
      const a = attrsOf(value);
      put(path, () => fileNode(value.file, a, a.mtimeNs ?? t));
      continue;
    }
    // A directory: `{}` or `{ dir: true, ... }`. Declaring one twice is fine.
    const dir = ensureDir(path);
    dirAttrs.push([dir, value as SpecAttrs]);
  }
  for (const [existing, newPath] of links) {
    const node = into.walk(existing, "link");
    if (node.kind === "dir") throw new FsError(Errno.PERM, "link", existing);
    put(newPath, () => node);
    node.nlink++;
  }
  for (const [dir, v] of dirAttrs) {
    if (v.mode !== undefined) dir.mode = v.mode & 0o7777;
    if (v.uid !== undefined) dir.uid = v.uid;
    if (v.gid !== undefined) dir.gid = v.gid;
    if (v.mtimeNs !== undefined) dir.mtimeNs = dir.ctimeNs = dir.atimeNs = v.mtimeNs;
    if (v.atimeNs !== undefined) dir.atimeNs = v.atimeNs;
  }
}

function trimSlashes(key: string): string {
  let s = 0;
  let e = key.length;
  while (s < e && key.charCodeAt(s) === 47) s++;
  while (e > s && key.charCodeAt(e - 1) === 47) e--;
  return key.slice(s, e);
}

function generatedSource(spec: GeneratedFileSpec): ContentSource {
  if (spec.read !== undefined) {
    const read = spec.read;
    const size = spec.size;
    return { read: (into, position) => (position >= size ? 0 : read(into.subarray(0, Math.min(into.length, size - position)), position)) };
  }
  return new FillSource(spec.size, spec.fill ?? 0);
}
