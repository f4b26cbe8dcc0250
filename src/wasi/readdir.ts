/**
 * Directory listings for fd_readdir (dispatcher and shim adapter alike): a
 * snapshot per cookie-0 pass, so deleting entries while iterating never
 * skips or repeats one (SEMANTICS.md rule 15).
 *
 * A snapshot is kept as the dirent stream fd_readdir returns (every entry's
 * 24-byte header and name, back to back, d_next of entry i being i + 1), so a
 * readdir at any cookie is one copy of a byte range: no object per entry and
 * no encoding per call, and a buffer that ends inside an entry gets that
 * entry's first bytes, as before.
 */
import { DIRENT_SIZE, FILETYPE, writeDirentNumbers } from "./abi.ts";
import type { DirDescriptor, DirListing } from "./fd-table.ts";
import { filetypeOf } from "./filestat.ts";
import { parentOf } from "./paths.ts";

const encoder = new TextEncoder();

/** An open directory: its union, canonical path, and the open file when it has one (preopens do not). */
export type ListedDir = Pick<DirDescriptor, "union" | "path" | "file">;

/**
 * The listing a readdir at `cookie` reads: cookie 0 (or no listing yet)
 * takes a fresh snapshot, any other cookie continues `current`. Entry i has
 * cookie i + 1 as its d_next.
 */
export function listingFor(cookie: bigint, current: DirListing | undefined, dir: ListedDir): DirListing {
  return cookie === 0n || current === undefined ? snapshotListing(dir) : current;
}

/** Number of entries of a listing ("." and ".." included). */
export function listedCount(listing: DirListing): number {
  return listing.starts.length - 1;
}

/** Index of the first entry a readdir at `cookie` returns (the entry count at or past the end). */
export function firstListed(listing: DirListing, cookie: bigint): number {
  const count = listedCount(listing);
  return cookie < BigInt(count) ? Number(cookie) : count;
}

/** Entry `i` of a listing, decoded back from its dirent (the shim adapter's one-entry-per-call readdir). */
export function listedEntry(listing: DirListing, i: number): { name: Uint8Array; type: number; ino: bigint } {
  const { bytes, starts } = listing;
  const at = starts[i]!;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  return { name: bytes.subarray(at + DIRENT_SIZE, starts[i + 1]!), type: bytes[at + 20]!, ino: view.getBigUint64(at + 8, true) };
}

/** Byte length of `name` when it is all ASCII (nearly all names), -1 otherwise. */
function asciiLength(name: string): number {
  const n = name.length;
  for (let i = 0; i < n; i++) if (name.charCodeAt(i) >= 0x80) return -1;
  return n;
}

/** ".", "..", then the merged sorted entries of `dir`, as one dirent stream. */
function snapshotListing(dir: ListedDir): DirListing {
  const self = dir.file !== undefined ? dir.file.stat() : dir.union.stat(dir.path);
  let parentIno = self.ino;
  if (dir.path !== "/") {
    try {
      parentIno = dir.union.stat(parentOf(dir.path)).ino;
    } catch {
      // parent gone: report self
    }
  }
  const entries = dir.union.readdirEntries(dir.path);
  const n = entries.length;
  // Sizes first: an ASCII name is its own length; any other is encoded once, here.
  let encoded: Map<number, Uint8Array> | undefined;
  let size = 2 * DIRENT_SIZE + 3;
  for (let i = 0; i < n; i++) {
    const name = entries[i]!.name;
    let len = asciiLength(name);
    if (len < 0) {
      const utf8 = encoder.encode(name);
      (encoded ??= new Map()).set(i, utf8);
      len = utf8.length;
    }
    size += DIRENT_SIZE + len;
  }
  const bytes = new Uint8Array(size);
  const view = new DataView(bytes.buffer);
  const starts = new Uint32Array(n + 3);
  starts[0] = 0;
  writeDirentNumbers(view, 0, 1, self.ino, 1, FILETYPE.DIRECTORY);
  bytes[DIRENT_SIZE] = 46; // "."
  starts[1] = DIRENT_SIZE + 1;
  writeDirentNumbers(view, DIRENT_SIZE + 1, 2, parentIno, 2, FILETYPE.DIRECTORY);
  bytes[2 * DIRENT_SIZE + 1] = 46; // ".."
  bytes[2 * DIRENT_SIZE + 2] = 46;
  let at = 2 * DIRENT_SIZE + 3;
  for (let i = 0; i < n; i++) {
    const e = entries[i]!;
    const name = e.name;
    const utf8 = encoded?.get(i);
    starts[i + 2] = at;
    writeDirentNumbers(view, at, i + 3, e.ino, utf8 !== undefined ? utf8.length : name.length, filetypeOf(e.type));
    at += DIRENT_SIZE;
    if (utf8 !== undefined) {
      bytes.set(utf8, at);
      at += utf8.length;
    } else {
      for (let k = 0; k < name.length; k++) bytes[at++] = name.charCodeAt(k);
    }
  }
  starts[n + 2] = at;
  return { bytes, starts };
}
