/** An open file of a MemoryLayer. */
import { Errno, FsError } from "../core/errno.ts";
import { nowNs } from "../core/layer.ts";
import type { EntryStat, WritableLayerFile } from "../core/layer.ts";
import { releasedError } from "./chunked-content.ts";
import type { ContentSource } from "./chunked-content.ts";
import { statOf } from "./memory-nodes.ts";
import type { FileNode } from "./memory-nodes.ts";

/** What a file needs from its layer: refusing writes once the layer is frozen, and hearing of a file no one reaches. */
export interface FileOwner {
  checkWritable(syscall: string, path?: string): void;
  /** The last handle of `node` closed: release its content if no name is left either. */
  closed(node: FileNode): void;
}

/** An open file: holds the node, so it outlives rename and unlink of its names. */
export class MemoryFile implements WritableLayerFile {
  /** @internal */
  readonly layer: FileOwner;
  readonly #writable: boolean;
  #node: FileNode | undefined;

  constructor(layer: FileOwner, node: FileNode, writable: boolean) {
    this.layer = layer;
    this.#node = node;
    this.#writable = writable;
    node.opens++;
  }

  read(into: Uint8Array, position: number): number {
    return this.#open("read").content.read(into, position);
  }

  write(data: Uint8Array, position: number): number {
    const node = this.#writableNode("write");
    const n = node.content.write(data, position);
    if (n > 0) node.mtimeNs = node.ctimeNs = nowNs();
    return n;
  }

  truncate(size: number): void {
    const node = this.#writableNode("truncate");
    node.content.truncate(size);
    node.mtimeNs = node.ctimeNs = nowNs();
  }

  stat(): EntryStat {
    return statOf(this.#open("fstat"));
  }

  /** Bytes held by the content's local chunks (quota accounting). */
  storedBytes(): number {
    return this.#open("fstat").content.storedBytes;
  }

  /** Bytes a write of `length` at `position` would add to the stored chunks. */
  writeGrowth(length: number, position: number): number {
    return this.#open("write").content.writeGrowth(length, position);
  }

  /** The node's content: a MemoryLayer upper references it directly (no copy; the content is lent: never released). */
  contentSource(): ContentSource {
    return this.#open("read").content.lend();
  }

  sync(): void {
    this.#open("fsync");
  }

  /** Set the open node's times (undefined: unchanged; ctime becomes now), whatever its names are now. */
  setTimes(atimeNs: bigint | undefined, mtimeNs: bigint | undefined): void {
    const node = this.#open("futimens");
    this.layer.checkWritable("futimens");
    if (atimeNs !== undefined) node.atimeNs = atimeNs;
    if (mtimeNs !== undefined) node.mtimeNs = mtimeNs;
    node.ctimeNs = nowNs();
  }

  close(): void {
    const node = this.#node;
    if (node === undefined) return;
    this.#node = undefined;
    if (--node.opens === 0) this.layer.closed(node);
  }

  #open(syscall: string): FileNode {
    const node = this.#node;
    if (node === undefined) throw new FsError(Errno.BADF, syscall);
    if (node.content.released) throw releasedError(syscall);
    return node;
  }

  #writableNode(syscall: string): FileNode {
    const node = this.#open(syscall);
    if (!this.#writable) throw new FsError(Errno.BADF, syscall);
    this.layer.checkWritable(syscall);
    return node;
  }
}
