/**
 * Directory listings for fd_readdir (dispatcher and shim adapter alike): a
 * snapshot per cookie-0 pass, so deleting entries while iterating never
 * skips or repeats one (SEMANTICS.md rule 15).
 */
import { FILETYPE } from "./abi.ts";
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

/** UTF-8 of a name; ASCII names (nearly all) without TextEncoder's per-call overhead. */
function encodeName(name: string): Uint8Array {
  const n = name.length;
  const out = new Uint8Array(n);
  for (let i = 0; i < n; i++) {
    const c = name.charCodeAt(i);
    if (c >= 0x80) return encoder.encode(name);
    out[i] = c;
  }
  return out;
}

/** ".", "..", then the merged sorted entries of `dir`. */
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
  const entries: DirListing["entries"] = [
    { name: encoder.encode("."), type: FILETYPE.DIRECTORY, ino: BigInt(self.ino) },
    { name: encoder.encode(".."), type: FILETYPE.DIRECTORY, ino: BigInt(parentIno) },
  ];
  for (const e of dir.union.readdirEntries(dir.path)) {
    entries.push({ name: encodeName(e.name), type: filetypeOf(e.type), ino: BigInt(e.ino) });
  }
  return { entries };
}
