export { Errno, FsError, isFsError } from "./core/errno.ts";
export type { EntryStat, EntryType, Layer, LayerFile, WritableLayer, WritableLayerFile } from "./core/layer.ts";
export { Image } from "./core/image.ts";
export { Union } from "./core/union.ts";
export type { Change, DirEntry, OpenOptions, Stat, UnionFile, UnionOptions } from "./core/union.ts";
export { MemoryLayer } from "./layers/memory.ts";
export type { MemorySpec, MemorySpecEntry, MemoryLayerFromOptions, GeneratedFileSpec } from "./layers/memory.ts";
export { checkLayer, layerProblems, LayerCheckError } from "./core/check-layer.ts";
export type { CheckLayerOptions } from "./core/check-layer.ts";
