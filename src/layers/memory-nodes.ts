/**
 * The nodes (inodes) of a MemoryLayer: directories map names to nodes, and
 * hard-link aliases are several names for one node; the layer hands out ids.
 */
import { Errno, FsError } from "../core/errno.ts";
import type { EntryStat, EntryType, NewEntryAttr } from "../core/layer.ts";
import type { ChunkedContent } from "./chunked-content.ts";

export interface NodeBase {
  readonly id: number;
  mode: number;
  uid: number;
  gid: number;
  nlink: number;
  atimeNs: bigint;
  mtimeNs: bigint;
  ctimeNs: bigint;
}
export interface FileNode extends NodeBase {
  readonly kind: "file";
  readonly content: ChunkedContent;
  /** Open MemoryFile handles: with nlink, says when no one reaches the content any more. */
  opens: number;
}
export interface DirNode extends NodeBase {
  readonly kind: "dir";
  readonly entries: Map<string, MemNode>;
}
export interface SymlinkNode extends NodeBase {
  readonly kind: "symlink";
  readonly target: string;
  /** UTF-8 byte length of the target (st_size of a symlink). */
  readonly size: number;
}
export type MemNode = FileNode | DirNode | SymlinkNode;

const MAX_ID = 2 ** 32 - 1;
const encoder = new TextEncoder();

/** The id after `id` (ids run 1, 2, ...; ENOSPC past 2**32 - 1). */
export function checkedId(id: number): number {
  if (id > MAX_ID) throw new FsError(Errno.NOSPC, "mknod", undefined, "out of ids");
  return id;
}

/**
 * `node` with the attributes a new node `id` starts with (`defaultMode` unless
 * `attr` has a mode), added in place: an object spread here cost ~100 ns per
 * node, a tenth of a small-file create.
 */
function withBase<T extends { kind: string }>(node: T, id: number, attr: Partial<NewEntryAttr>, defaultMode: number, nlink: number, t: bigint): T & NodeBase {
  const n = node as T & { -readonly [K in keyof NodeBase]: NodeBase[K] };
  n.id = id;
  n.mode = (attr.mode ?? defaultMode) & 0o7777;
  n.uid = attr.uid ?? 0;
  n.gid = attr.gid ?? 0;
  n.nlink = nlink;
  n.atimeNs = attr.atimeNs ?? attr.mtimeNs ?? t;
  n.mtimeNs = attr.mtimeNs ?? t;
  n.ctimeNs = t;
  return n;
}

export function newDir(id: number, attr: Partial<NewEntryAttr>, t: bigint): DirNode {
  return withBase({ kind: "dir" as const, entries: new Map<string, MemNode>() }, id, attr, 0o755, 2, t);
}

export function newFile(id: number, content: ChunkedContent, attr: Partial<NewEntryAttr>, t: bigint): FileNode {
  return withBase({ kind: "file" as const, content, opens: 0 }, id, attr, 0o644, 1, t);
}

export function newSymlink(id: number, target: string, attr: Partial<NewEntryAttr>, t: bigint): SymlinkNode {
  return withBase({ kind: "symlink" as const, target, size: encoder.encode(target).length }, id, attr, 0o777, 1, t);
}

export function touch(dir: DirNode, t: bigint): void {
  dir.mtimeNs = t;
  dir.ctimeNs = t;
}

export function statOf(node: MemNode): EntryStat {
  const type: EntryType = node.kind;
  return {
    type,
    mode: node.mode,
    uid: node.uid,
    gid: node.gid,
    size: node.kind === "file" ? node.content.size : node.kind === "symlink" ? node.size : 0,
    nlink: node.nlink,
    id: node.id,
    atimeNs: node.atimeNs,
    mtimeNs: node.mtimeNs,
    ctimeNs: node.ctimeNs,
  };
}
