/**
 * Image: an immutable stack of read-only layers, bottom first. Shared by any
 * number of unions; its lookup indexes are built lazily, once, and shared.
 * SKELETON: internals are being written.
 */
import type { Layer } from "./layer.ts";

export class Image {
  /** Bottom first. */
  readonly layers: readonly Layer[];

  constructor(layers: readonly Layer[]) {
    this.layers = Object.freeze([...layers]);
  }
}
