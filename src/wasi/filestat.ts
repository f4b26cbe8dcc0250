/**
 * Union stat -> WASI filestat fields, shared by layerfs's dispatcher and the
 * browser_wasi_shim adapter (the layout itself is abi.ts's).
 */
import type { EntryType } from "../core/layer.ts";
import type { Stat } from "../core/union.ts";
import { FILESTAT_SIZE, FILETYPE, HOST_LITTLE_ENDIAN, writeFilestatNumbers, writeFilestatWords } from "./abi.ts";
import type { GuestMemory } from "./guest-memory.ts";
import type { Filestat } from "./abi.ts";

/** The WASI filetype of a union entry type. */
export function filetypeOf(type: EntryType): number {
  return type === "dir" ? FILETYPE.DIRECTORY : type === "symlink" ? FILETYPE.SYMBOLIC_LINK : FILETYPE.REGULAR_FILE;
}

export function statToFilestat(s: Stat): Filestat {
  return {
    dev: BigInt(s.dev),
    ino: BigInt(s.ino),
    filetype: filetypeOf(s.type),
    nlink: BigInt(s.nlink),
    size: BigInt(s.size),
    atim: s.atimeNs,
    mtim: s.mtimeNs,
    ctim: s.ctimeNs,
  };
}

/** What fd_filestat_get reports for stdin/stdout/stderr. */
export const CHARACTER_DEVICE_FILESTAT: Readonly<Filestat> = Object.freeze({
  dev: 0n, ino: 0n, filetype: FILETYPE.CHARACTER_DEVICE, nlink: 1n, size: 0n, atim: 0n, mtim: 0n, ctim: 0n,
});

/** writeFilestat(statToFilestat(st)) without the intermediate object (path_filestat_get runs once per entry of a tree walk). */
function writeStatFilestat(view: DataView, ptr: number, st: Stat): void {
  writeFilestatNumbers(view, ptr, st.dev, st.ino, filetypeOf(st.type), st.nlink, st.size, st.atimeNs, st.mtimeNs, st.ctimeNs);
}

/**
 * writeStatFilestat into guest memory at `ptr`: through word views when the
 * ABI allows it (an 8-aligned struct, as C and Rust guests pass, on a
 * little-endian host), else through the DataView. RangeError (EFAULT) when
 * the 64 bytes are not all inside memory, before any is written.
 */
export function writeStatFilestatTo(memory: GuestMemory, ptr: number, st: Stat): void {
  const view = memory.view();
  if ((ptr & 7) !== 0 || !HOST_LITTLE_ENDIAN) return writeStatFilestat(view, ptr, st);
  view.getUint8(ptr + FILESTAT_SIZE - 1);
  writeFilestatWords(memory.u32, memory.u64, ptr, st.dev, st.ino, filetypeOf(st.type), st.nlink, st.size, st.atimeNs, st.mtimeNs, st.ctimeNs);
}
