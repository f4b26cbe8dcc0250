/**
 * Content digests: strict parsing (a digest becomes a path component, so only
 * `sha256:` + 64 or `sha512:` + 128 lowercase hex pass) and incremental hashing
 * that works in every runtime (hash-wasm); hosts may plug in a faster hasher
 * (node:crypto) through HasherFactory.
 */
import { createSHA256, createSHA512 } from "hash-wasm";

export type DigestAlgorithm = "sha256" | "sha512";

/** A validated digest: `algorithm:hex`. */
export interface Digest {
  readonly algorithm: DigestAlgorithm;
  readonly hex: string;
  /** `algorithm:hex`. */
  readonly text: string;
}

const HEX_LENGTH: Record<DigestAlgorithm, number> = { sha256: 64, sha512: 128 };
const SHAPE = /^(sha256|sha512):([0-9a-f]+)$/;

/** Parse a digest string, or return the reason it is not acceptable. */
export function parseDigest(text: unknown): Digest | string {
  if (typeof text !== "string") return `digest is not a string (${typeof text})`;
  const m = SHAPE.exec(text);
  if (m === null) {
    const shown = JSON.stringify(text.length > 80 ? text.slice(0, 80) + "..." : text);
    const alg = /^([a-z0-9+._-]+):/.exec(text)?.[1];
    if (alg !== undefined && alg !== "sha256" && alg !== "sha512") return `digest ${shown}: unsupported algorithm "${alg}" (sha256 or sha512 only)`;
    return `digest ${shown} is not well formed (want sha256: and 64 lowercase hex digits)`;
  }
  const algorithm = m[1] as DigestAlgorithm;
  const hex = m[2]!;
  if (hex.length !== HEX_LENGTH[algorithm]) return `digest ${JSON.stringify(text)}: ${algorithm} wants ${HEX_LENGTH[algorithm]} hex digits, got ${hex.length}`;
  return { algorithm, hex, text };
}

/** An incremental hash: feed bytes, then take the lowercase hex digest once. */
export interface IncrementalHash {
  update(bytes: Uint8Array): void;
  digestHex(): string;
}

/** Makes incremental hashes; the default is hash-wasm (every runtime). */
export type HasherFactory = (algorithm: DigestAlgorithm) => Promise<IncrementalHash>;

/** hash-wasm's sha256/sha512 (WebAssembly: Node, Deno and browsers alike). */
export const wasmHasher: HasherFactory = async (algorithm) => {
  const h = algorithm === "sha256" ? await createSHA256() : await createSHA512();
  h.init();
  return {
    update: (bytes) => void h.update(bytes),
    digestHex: () => h.digest("hex"),
  };
};

/** Digest of a whole byte array (small documents). */
export async function digestOf(bytes: Uint8Array, algorithm: DigestAlgorithm = "sha256", hasher: HasherFactory = wasmHasher): Promise<string> {
  const h = await hasher(algorithm);
  h.update(bytes);
  return `${algorithm}:${h.digestHex()}`;
}
