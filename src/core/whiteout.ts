/**
 * The one whiteout encoding layerfs reads and writes (aufs/OCI form): an empty
 * regular file `.wh.NAME` hides NAME in lower layers, an empty `.wh..wh..opq`
 * inside a directory hides all lower content of that directory.
 */
import { childPath, OPAQUE_MARKER, WHITEOUT_META_PREFIX, WHITEOUT_PREFIX } from "./layer.ts";
import type { Layer, WritableLayer } from "./layer.ts";

/** Names reserved by the encoding: never visible, never creatable (SEMANTICS rule 4). */
export function isReservedName(name: string): boolean {
  return name.startsWith(WHITEOUT_PREFIX);
}

/** The name a whiteout entry `.wh.NAME` hides (NAME). */
export function whitedOutName(whiteout: string): string {
  return whiteout.slice(WHITEOUT_PREFIX.length);
}

/**
 * What a raw layer directory entry means: a visible entry, a whiteout of
 * another name, the opaque marker, or an ignored aufs internal (`.wh..wh.*`).
 */
export type RawEntryKind = "entry" | "whiteout" | "opaque" | "meta";

export function classifyRawName(name: string): RawEntryKind {
  if (!name.startsWith(WHITEOUT_PREFIX)) return "entry";
  if (name === OPAQUE_MARKER) return "opaque";
  if (name.startsWith(WHITEOUT_META_PREFIX)) return "meta";
  return "whiteout";
}

/** Does `layer` hold a whiteout for `name` in directory `dir`? */
export function hasWhiteout(layer: Layer, dir: string, name: string): boolean {
  return layer.stat(childPath(dir, WHITEOUT_PREFIX + name)) !== undefined;
}

/** Is directory `dir` of `layer` opaque? */
export function isOpaque(layer: Layer, dir: string): boolean {
  return layer.stat(childPath(dir, OPAQUE_MARKER)) !== undefined;
}

/** Write a whiteout for `name` into upper directory `dir` (no-op if present). */
export function writeWhiteout(upper: WritableLayer, dir: string, name: string): void {
  const p = childPath(dir, WHITEOUT_PREFIX + name);
  if (upper.stat(p) === undefined) upper.createFile(p, { mode: 0o644 });
}

/** Remove the whiteout for `name` from upper directory `dir`, if any. */
export function removeWhiteout(upper: WritableLayer, dir: string, name: string): void {
  const p = childPath(dir, WHITEOUT_PREFIX + name);
  if (upper.stat(p) !== undefined) upper.unlink(p);
}

/** Mark upper directory `dir` opaque (no-op if it already is). */
export function makeOpaque(upper: WritableLayer, dir: string): void {
  const p = childPath(dir, OPAQUE_MARKER);
  if (upper.stat(p) === undefined) upper.createFile(p, { mode: 0o644 });
}

/** One raw layer directory read for diffing: names sorted by bytes, the visible ones, and whether it is opaque. */
export interface RawListing {
  raws: string[];
  present: Set<string>;
  opaque: boolean;
}

/** Read directory `dir` of `layer` raw (whiteouts included) and classify it (changes(), commit). */
export function rawListing(layer: Layer, dir: string, compare: (a: string, b: string) => number): RawListing {
  const raws = layer.readdir(dir).sort(compare);
  const present = new Set<string>();
  let opaque = false;
  for (const raw of raws) {
    const kind = classifyRawName(raw);
    if (kind === "opaque") opaque = true;
    else if (kind === "entry") present.add(raw);
  }
  return { raws, present, opaque };
}
