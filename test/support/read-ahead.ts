// What src/layers/read-ahead.ts promises about host reads, as a count to check against.
import { FIRST_WINDOW, READ_AHEAD_BYTES } from "../../src/layers/read-ahead.ts";

/**
 * Host reads of reading `size` (more than 2 × `len`) bytes sequentially in
 * `len`-byte pieces: the first two pieces, then fills of a window from
 * FIRST_WINDOW (or 2 pieces) doubling up to READ_AHEAD_BYTES, until one
 * reaches the end.
 */
export function sequentialReads(size: number, len: number): number {
  let reads = 2, at = 2 * len, window = 0;
  while (at < size) {
    window = Math.min(READ_AHEAD_BYTES, Math.max(FIRST_WINDOW, 2 * len, 2 * window));
    at += window;
    reads++;
  }
  return reads;
}
