/**
 * layerfs/browser-wasi-shim: a Union as @bjorn3/browser_wasi_shim 0.4.2 file
 * descriptors, plus fixes for that version's dispatcher. The shim is imported
 * for types only: bring your own copy (a peer / dev dependency).
 */
export { UnionPreopen, UnionDirFd } from "./dir-fd.ts";
export type { UnionPreopenOptions } from "./dir-fd.ts";
export { UnionFileFd } from "./file-fd.ts";
export { UnionFdBase } from "./fd-base.ts";
export { UnionInode } from "./inode.ts";
export { fixShimWasi, SHIM_PATCHED_FUNCTIONS } from "./fix.ts";
export type { ShimWasiLike } from "./fix.ts";
export { createShimWasi } from "./create.ts";
export type { ShimWasiConstructor, ShimWasiOptions } from "./create.ts";
export { BytesInputFd, CallbackOutputFd } from "./stdio.ts";
