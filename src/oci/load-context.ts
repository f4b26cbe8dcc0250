/**
 * What the loader (load.ts) and the selection code (select.ts) share: the
 * options in effect and what a selection yields. Its own module so that
 * select.ts does not import load.ts back.
 */
import type { Compression, StreamDecoder } from "./decompress.ts";
import type { Digest, HasherFactory } from "./digest.ts";
import type { ImageError } from "./errors.ts";
import type { ImageSourceFiles } from "./files.ts";

export type ImageFormat = "oci-layout" | "oci-archive" | "docker-archive";

export interface Platform {
  os: string;
  architecture: string;
  variant?: string;
}

/** Options with defaults applied, shared by the selection code. */
export interface LoadContext {
  files: ImageSourceFiles;
  archive: boolean;
  tag: string | undefined;
  platform: string | undefined;
  hasher: HasherFactory;
  gunzip: StreamDecoder | undefined;
  maxLayers: number;
  maxLayerBytes: number;
  maxDocumentBytes: number;
  fail(code: ImageError["code"], where: string | undefined, reason: string, cause?: unknown): never;
  /** Read a JSON document, checking its size and (when known) its digest. */
  readJson(path: string, expect?: { digest?: Digest; size?: number }): Promise<{ json: Record<string, unknown> | unknown[]; bytes: Uint8Array }>;
}

/** One layer as the selection found it. */
export interface SelectedLayer {
  /** Path of the blob among the image files. */
  path: string;
  /** The blob digest, when the manifest (or the blob's path) gives one. */
  digest: Digest | undefined;
  size: number | undefined;
  diffID: Digest;
  /** The manifest's media type (undefined for docker-save layers: detected from content). */
  mediaType: string | undefined;
  compression: Compression | undefined;
  foreign: boolean;
  urls: string[];
}
