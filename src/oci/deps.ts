/** The tar layer and byte sources the image loaders build on. */
export { MemorySource, readFully } from "../sources/byte-source.ts";
export type { ByteSource } from "../sources/byte-source.ts";
export { TarLayer, TarIndex, indexTar } from "../layers/tar/mod.ts";
export { KIND_FILE } from "../layers/tar/index.ts";
