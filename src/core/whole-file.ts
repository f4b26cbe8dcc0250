/** Whole-file reads and writes through an open handle (Union.readFile / writeFile / appendFile). */
import { Errno, FsError } from "./errno.ts";
import type { UnionFile } from "./union-types.ts";

/** Largest file readFile() reads whole (2 GiB - 1, node:fs's limit). */
const MAX_READ_FILE = 2 ** 31 - 1;

/** Every byte of the open file `f` (EISDIR for a directory, EFBIG past 2 GiB): a view of a buffer of its own, maybe longer. */
export function readWhole(f: UnionFile, path: string): Uint8Array {
  if (f.type === "dir") throw new FsError(Errno.ISDIR, "read", path);
  const size = f.stat().size;
  // A (sparse) host file can be far larger than any buffer: EFBIG, not a RangeError.
  if (size > MAX_READ_FILE) throw new FsError(Errno.FBIG, "read", path, "too large to read whole");
  let buf = new Uint8Array(Math.max(size, 0));
  let len = 0;
  for (;;) {
    if (len === buf.length) {
      const bigger = new Uint8Array(Math.max(4096, buf.length * 2));
      bigger.set(buf);
      buf = bigger;
    }
    const n = f.read(buf.subarray(len), len);
    if (n === 0) break;
    len += n;
  }
  return buf.subarray(0, len);
}

/** Write all of `bytes` from offset 0 (EIO if the layer stops short). */
export function writeWhole(f: UnionFile, bytes: Uint8Array, path: string): void {
  for (let off = 0; off < bytes.length;) {
    const n = f.write(off === 0 ? bytes : bytes.subarray(off), off);
    if (n <= 0) throw new FsError(Errno.IO, "write", path, "short write");
    off += n;
  }
}
