/**
 * Synthetic, stable inode numbers (SEMANTICS rule 16).
 *
 * - A lower object: (layerIndex + 1) * 2**32 + its id in that layer, so
 *   hard-link aliases in one layer share it and layers never collide.
 * - An upper object: the inode it had before copy-up (recorded here, per
 *   union, when the copy-up happens), else its upper id (< 2**32, so never
 *   equal to a lower number). An upper directory merging a lower one that was
 *   never copied up by this union (a pre-populated upper) takes the lower
 *   directory's number.
 * - One constant device number for the whole union.
 */
import type { UnionNode } from "./lookup.ts";

/** A lower file: layer index (bottom first) and layer path. */
export interface SharedOrigin {
  readonly layer: number;
  readonly path: string;
}

/** st_dev of every union object. */
export const UNION_DEV = 0x6c66; // "lf"

export class Inodes {
  // Allocated on the first copy-up: a fresh union costs nothing here.
  #origin: Map<number, number> | undefined;

  /** The recorded numbers by upper id (what a layer frozen by Union.fork keeps: Layer.inoOf). */
  get recorded(): ReadonlyMap<number, number> {
    return (this.#origin ??= new Map());
  }

  /** Record that upper object `upperId` continues the object numbered `ino`. */
  record(upperId: number, ino: number): void {
    if (ino === upperId) return;
    (this.#origin ??= new Map()).set(upperId, ino);
  }

  // Upper copies of hard-linked lower files made by a deep rename: they share
  // the lower number until changed (then the link is broken, as on the kernel).
  // Value: where the (unchanged) content lives in the lower layers.
  #shared: Map<number, SharedOrigin> | undefined;

  /** Record a relocated (not yet changed) copy of a hard-linked lower file. */
  recordShared(upperId: number, ino: number, origin: SharedOrigin): void {
    this.record(upperId, ino);
    (this.#shared ??= new Map()).set(upperId, origin);
  }

  /** The lower origin of a relocated, still unchanged copy of a hard-linked lower file. */
  sharedOrigin(upperId: number): SharedOrigin | undefined {
    return this.#shared?.get(upperId);
  }

  /** Is any relocated hard-linked copy recorded (else no upper id has a shared origin)? */
  get anyShared(): boolean {
    return this.#shared !== undefined && this.#shared.size > 0;
  }

  /** The object is about to change: a shared hard-link number is given up. */
  unshare(upperId: number): void {
    if (this.#shared?.delete(upperId)) this.#origin?.delete(upperId);
  }

  /** Forget an upper object that no longer exists (its id may be reused). */
  forget(upperId: number): void {
    this.#origin?.delete(upperId);
    this.#shared?.delete(upperId);
  }

  /** Inode number of an upper object with id `upperId` (no merge information). */
  ofUpperId(upperId: number): number {
    return this.#origin?.get(upperId) ?? upperId;
  }

  /** Inode number of a visible object. */
  of(node: UnionNode): number {
    if (node.upper === undefined) return node.lower!.ino;
    const recorded = this.#origin?.get(node.upper.id);
    if (recorded !== undefined) return recorded;
    return node.lower !== undefined ? node.lower.ino : node.upper.id;
  }

  /** Make the current number of `node` survive a change of its merge state (deep rename). */
  pin(node: UnionNode): void {
    if (node.upper !== undefined && this.#origin?.get(node.upper.id) === undefined) this.record(node.upper.id, this.of(node));
  }
}
