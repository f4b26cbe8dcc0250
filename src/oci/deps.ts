/** The tar layer and byte sources the image loaders build on (one place to repoint on merge). */
export { MemorySource, TarLayer, listTar } from "./interim-tar.ts";
export type { ByteSource, TarMember } from "./interim-tar.ts";
