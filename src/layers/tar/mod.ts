/** Layer tarballs: the indexer and the read-only TarLayer. */
export { indexTar, TarIndex, cleanTarPath } from "./index.ts";
export type { IndexTarOptions } from "./index.ts";
export { TarLayer, TarFile } from "./layer.ts";
export type { TarLayerOptions } from "./layer.ts";
export { TarError, isTarError } from "./errors.ts";
