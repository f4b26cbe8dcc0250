/**
 * A host file as a ByteSource over Deno's FsFile. Deno has no synchronous
 * pread, so a read is seekSync + readSync on the source's own file handle
 * (never shared, so the seek position cannot be disturbed between the two).
 */
import { Errno, FsError } from "../core/errno.ts";
import { checkPosition } from "../sources/byte-source.ts";
import type { ByteSource } from "../sources/byte-source.ts";
import { toFsError } from "./host-fs.ts";

interface DenoFile {
  readSync(p: Uint8Array): number | null;
  seekSync(offset: number, whence: number): number;
  statSync(): { size: number; isDirectory: boolean };
  close(): void;
}
interface DenoApi {
  openSync(path: string, options: { read: boolean }): DenoFile;
}

const SEEK_START = 0;

export class DenoFileSource implements ByteSource {
  readonly size: number;
  readonly path: string;
  #file: DenoFile | undefined;

  /** Open `path` read-only. The size is fixed at open: the file must not change while in use. */
  constructor(path: string) {
    this.path = path;
    const deno = (globalThis as unknown as { Deno?: DenoApi }).Deno;
    if (deno === undefined) throw new FsError(Errno.NOSYS, "open", path, "DenoFileSource needs the Deno runtime");
    let file: DenoFile | undefined;
    try {
      file = deno.openSync(path, { read: true });
      const st = file.statSync();
      if (st.isDirectory) throw new FsError(Errno.ISDIR, "open", path);
      this.size = st.size;
      this.#file = file;
    } catch (e) {
      file?.close();
      throw toFsError(e, "open", path);
    }
  }

  read(into: Uint8Array, position: number): number {
    checkPosition(position, "read");
    const file = this.#file;
    if (file === undefined) throw new FsError(Errno.BADF, "read", this.path);
    if (position >= this.size || into.length === 0) return 0;
    const want = Math.min(into.length, this.size - position);
    let done = 0;
    try {
      file.seekSync(position, SEEK_START);
      while (done < want) {
        const n = file.readSync(into.subarray(done, want));
        if (n === null || n === 0) break;
        done += n;
      }
    } catch (e) {
      throw toFsError(e, "read", this.path);
    }
    return done;
  }

  close(): void {
    const file = this.#file;
    this.#file = undefined;
    file?.close();
  }
}

/** A host file as a ByteSource (Deno FsFile). */
export function fileSource(path: string): DenoFileSource {
  return new DenoFileSource(path);
}
