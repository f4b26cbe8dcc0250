export { Errno, FsError, isFsError } from "./core/errno.ts";
export type { ContentSource, EntryStat, EntryType, Layer, LayerFile, WritableLayer, WritableLayerFile } from "./core/layer.ts";
export { Image } from "./core/image.ts";
export { Union } from "./core/union.ts";
export type {
  Change, DirEntry, OpenOptions, ReadFileOptions, ReaddirOptions, Stat, StatOptions, UnionFile, UnionOptions, WriteFileOptions,
} from "./core/union-types.ts";
export type { Quota, Usage } from "./core/quota.ts";
export { ENTRY_BYTES } from "./core/quota.ts";
export { MemoryLayer } from "./layers/memory.ts";
export type { MemorySpec, MemorySpecEntry, MemoryLayerFromOptions, MemoryLayerOptions, GeneratedFileSpec, SpecAttrs } from "./layers/memory.ts";
export { setChunkPoolLimit, trimChunkPool, chunkPoolStats, DEFAULT_CHUNK_POOL_LIMIT } from "./layers/chunk-pool.ts";
export type { ChunkPoolStats } from "./layers/chunk-pool.ts";
export { run, checkImports, createWasi, WasiHost, WasiExit, PREVIEW1_FUNCTIONS } from "./wasi/mod.ts";
export type { RunOptions, WasmSource, WasiOptions, PreopenTarget, InputSource, OutputSink, StdinCallback, StdinOption, StdoutOption, WritableStreamLike, WriterLike } from "./wasi/mod.ts";
// Host-directory layers (platform-neutral part; node:fs and Deno hosts: src/host/node.ts, src/host/deno.ts).
export { DirLayer } from "./layers/dir/mod.ts";
export { LayerInUseError } from "./layers/dir/mod.ts";
export type { DirLayerOptions } from "./layers/dir/mod.ts";
export type { HostFs, HostStat, HostDirent, HostOpenOptions, HostFileKind, HostProcesses, ProcessIdentity } from "./layers/dir/mod.ts";
export { FaultFs } from "./host/fault-fs.ts";
export type { FaultPlan } from "./host/fault-fs.ts";
// Layer tarballs over byte sources (file sources: src/host/node.ts, src/host/deno.ts).
export { TarLayer, TarFile, TarIndex, indexTar, TarError, isTarError } from "./layers/tar/mod.ts";
export type { TarLayerOptions, IndexTarOptions } from "./layers/tar/mod.ts";
export { MemorySource } from "./sources/byte-source.ts";
export type { ByteSource } from "./sources/byte-source.ts";

// OCI images (platform-neutral: bytes, Blob, Response, ImageSourceFiles; host paths: src/host/node.ts, src/host/deno.ts).
export { loadImage, loadArchive, loadFromFiles, MemoryLayerCache, ImageError, isImageError, parseImageRef, parseDigest, archiveFiles, memoryFiles } from "./oci/mod.ts";
export type { ImageFormat, ImageConfig, LayerDescriptor, LoadedImage, LoadImageOptions, LoadProgress, LayerCache, LayerCacheWriter, ImageSourceFiles, ImageErrorCode, HasherFactory } from "./oci/mod.ts";
// Writing: the upper as one OCI layer (commit, or commitStream), the merged tree as a tar, whole images (host files: src/host/node.ts commitHostImage).
export { commit, commitStream, exportTar, commitImage, archiveOutput, memorySpool } from "./oci/mod.ts";
export type { CommitCompression, CommitOptions, CommittedLayer, LayerDigests, LayerStream, CommitImageOptions, CommitImageResult, ImageOutput, LayerSpool } from "./oci/mod.ts";
// One image across workers (SharedArrayBuffer-backed layers).
export { shareImage, imageFromShared, SHARED_IMAGE_FORMAT } from "./layers/shared.ts";
export type { SharedImage, SharedLayer, SharedTarLayer, SharedTreeLayer } from "./layers/shared.ts";
