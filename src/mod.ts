export { Errno, FsError, isFsError } from "./core/errno.ts";
export type { ContentSource, EntryStat, EntryType, Layer, LayerFile, WritableLayer, WritableLayerFile } from "./core/layer.ts";
export { Image } from "./core/image.ts";
export { Union } from "./core/union.ts";
export type { Change, DirEntry, OpenOptions, Stat, UnionFile, UnionOptions } from "./core/union.ts";
export { MemoryLayer } from "./layers/memory.ts";
export type { MemorySpec, MemorySpecEntry, MemoryLayerFromOptions, MemoryLayerOptions, GeneratedFileSpec, SpecAttrs } from "./layers/memory.ts";
export { checkLayer, layerProblems, LayerCheckError } from "./core/check-layer.ts";
export type { CheckLayerOptions } from "./core/check-layer.ts";
export { run, checkImports, createWasi, WasiHost, WasiExit, PREVIEW1_FUNCTIONS } from "./wasi/mod.ts";
export type { RunOptions, WasmSource, WasiOptions, PreopenTarget, InputSource, OutputSink, StdinCallback, StdinOption, StdoutOption, WritableStreamLike, WriterLike } from "./wasi/mod.ts";
// Host-directory layers (platform-neutral part; node:fs and Deno hosts: src/host/node.ts, src/host/deno.ts).
export { DirLayer } from "./layers/dir.ts";
export { LayerInUseError } from "./layers/dir-lock.ts";
export type { DirLayerOptions } from "./layers/dir.ts";
export type { HostFs, HostStat, HostDirent, HostOpenOptions, HostFileKind, HostProcesses, ProcessIdentity } from "./host/host-fs.ts";
export { FaultFs } from "./host/fault-fs.ts";
export type { FaultPlan } from "./host/fault-fs.ts";
