/** OCI and Docker media types the loaders recognise. */
import type { Compression } from "./decompress.ts";

export const OCI_INDEX = "application/vnd.oci.image.index.v1+json";
export const OCI_MANIFEST = "application/vnd.oci.image.manifest.v1+json";
export const OCI_CONFIG = "application/vnd.oci.image.config.v1+json";
export const DOCKER_MANIFEST_LIST = "application/vnd.docker.distribution.manifest.list.v2+json";
export const DOCKER_MANIFEST = "application/vnd.docker.distribution.manifest.v2+json";
export const DOCKER_CONFIG = "application/vnd.docker.container.image.v1+json";

export const INDEX_TYPES = new Set([OCI_INDEX, DOCKER_MANIFEST_LIST]);
export const MANIFEST_TYPES = new Set([OCI_MANIFEST, DOCKER_MANIFEST]);

/** What a layer media type says about the blob. */
export interface LayerKind {
  compression: Compression;
  /** Non-distributable / foreign: may be absent from the image (it would have to be fetched from its URLs). */
  foreign: boolean;
}

const LAYER_TYPES: Record<string, LayerKind> = {
  "application/vnd.oci.image.layer.v1.tar": { compression: "none", foreign: false },
  "application/vnd.oci.image.layer.v1.tar+gzip": { compression: "gzip", foreign: false },
  "application/vnd.oci.image.layer.v1.tar+zstd": { compression: "zstd", foreign: false },
  "application/vnd.oci.image.layer.nondistributable.v1.tar": { compression: "none", foreign: true },
  "application/vnd.oci.image.layer.nondistributable.v1.tar+gzip": { compression: "gzip", foreign: true },
  "application/vnd.oci.image.layer.nondistributable.v1.tar+zstd": { compression: "zstd", foreign: true },
  "application/vnd.docker.image.rootfs.diff.tar": { compression: "none", foreign: false },
  "application/vnd.docker.image.rootfs.diff.tar.gzip": { compression: "gzip", foreign: false },
  "application/vnd.docker.image.rootfs.diff.tar.zstd": { compression: "zstd", foreign: false },
  "application/vnd.docker.image.rootfs.foreign.diff.tar": { compression: "none", foreign: true },
  "application/vnd.docker.image.rootfs.foreign.diff.tar.gzip": { compression: "gzip", foreign: true },
};

/** The kind of a layer media type, or the reason it cannot be used. */
export function layerKind(mediaType: string): LayerKind | string {
  const k = LAYER_TYPES[mediaType];
  if (k !== undefined) return k;
  if (mediaType.includes("+encrypted")) return `encrypted layers (${mediaType}) are not supported`;
  return `unsupported layer media type "${mediaType}"`;
}

/** The OCI media type of a layer with this compression (what the loader reports for docker-save layers). */
export function ociLayerType(compression: Compression): string {
  return compression === "none" ? "application/vnd.oci.image.layer.v1.tar" : `application/vnd.oci.image.layer.v1.tar+${compression}`;
}
