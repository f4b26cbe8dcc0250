/** A host file as a ByteSource over node:fs: pread (`readSync` at a position), nothing held in memory. */
import * as fs from "node:fs";
import { Errno, FsError } from "../core/errno.ts";
import { checkPosition } from "../sources/byte-source.ts";
import type { ByteSource } from "../sources/byte-source.ts";
import { toFsError } from "./host-fs.ts";

export class NodeFileSource implements ByteSource {
  readonly size: number;
  readonly path: string;
  #fd: number | undefined;

  /** Open `path` read-only (ENOENT, EISDIR... as FsErrors). The size is fixed at open: the file must not change while in use. */
  constructor(path: string) {
    this.path = path;
    let fd: number | undefined;
    try {
      fd = fs.openSync(path, "r");
      const st = fs.fstatSync(fd);
      if (st.isDirectory()) throw new FsError(Errno.ISDIR, "open", path);
      this.size = st.size;
      this.#fd = fd;
    } catch (e) {
      if (fd !== undefined) fs.closeSync(fd);
      throw toFsError(e, "open", path);
    }
  }

  read(into: Uint8Array, position: number): number {
    checkPosition(position, "read");
    if (this.#fd === undefined) throw new FsError(Errno.BADF, "read", this.path);
    if (position >= this.size || into.length === 0) return 0;
    let done = 0;
    const want = Math.min(into.length, this.size - position);
    try {
      while (done < want) {
        const n = fs.readSync(this.#fd, into, done, want - done, position + done);
        if (n === 0) break;
        done += n;
      }
    } catch (e) {
      throw toFsError(e, "read", this.path);
    }
    return done;
  }

  close(): void {
    if (this.#fd === undefined) return;
    const fd = this.#fd;
    this.#fd = undefined;
    fs.closeSync(fd);
  }
}

/** A host file as a ByteSource (pread over node:fs). */
export function fileSource(path: string): NodeFileSource {
  return new NodeFileSource(path);
}
