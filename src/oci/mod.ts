/** OCI images: loaders, the layer cache interface, digests and errors (platform-neutral). */
export { loadImage, loadArchive, loadFromFiles, imageConfig, DEFAULT_MAX_LAYERS, DEFAULT_MAX_LAYER_BYTES, DEFAULT_MAX_DOCUMENT_BYTES } from "./load.ts";
export type { ImageFormat, ImageConfig, LayerDescriptor, LoadedImage, LoadImageOptions, LoadProgress, Platform } from "./load.ts";
export { MemoryLayerCache } from "./cache.ts";
export type { LayerCache, LayerCacheWriter } from "./cache.ts";
export { archiveFiles, memoryFiles, streamSource, SliceSource } from "./files.ts";
export type { ImageSourceFiles } from "./files.ts";
export { parseDigest, wasmHasher, digestOf } from "./digest.ts";
export type { Digest, DigestAlgorithm, HasherFactory, IncrementalHash } from "./digest.ts";
export { sniffCompression } from "./decompress.ts";
export type { Compression } from "./decompress.ts";
export { ImageError, isImageError } from "./errors.ts";
export type { ImageErrorCode } from "./errors.ts";
export { parseImageRef } from "./image-ref.ts";
export type { ImageRef } from "./image-ref.ts";
export { layerKind, ociLayerType } from "./media-types.ts";
