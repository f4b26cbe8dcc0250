/**
 * The open handles a union tracks (UnionState.writers, upperReaders): a set
 * that allocates nothing per add/delete. A JS Set that goes 0 -> 1 -> 0 entries
 * rebuilds its hash table every few pairs (~135 bytes of garbage per pair,
 * measured), and a guest that opens and closes one file at a time does that
 * on every open.
 */

/** A handle a HandleList can hold: its slot there, -1 when in none. */
export interface Listed {
  /** @internal Index in the HandleList holding it (-1: none). */
  handleSlot: number;
}

export class HandleList<T extends Listed> implements Iterable<T> {
  readonly #items: T[] = [];

  get size(): number {
    return this.#items.length;
  }

  /** Add `h` (no-op if it is already in). */
  add(h: T): void {
    const items = this.#items;
    const i = h.handleSlot;
    // (A -1 index would be a named-property lookup on the array: a slow path on every add.)
    if (i >= 0 && items[i] === h) return;
    h.handleSlot = items.length;
    items.push(h);
  }

  /** Remove `h` (no-op if it is not in): the last handle takes its slot. */
  delete(h: T): void {
    const items = this.#items;
    const i = h.handleSlot;
    if (i < 0 || items[i] !== h) return;
    const last = items.pop()!;
    if (last !== h) {
      items[i] = last;
      last.handleSlot = i;
    }
    h.handleSlot = -1;
  }

  clear(): void {
    for (const h of this.#items) h.handleSlot = -1;
    this.#items.length = 0;
  }

  /** A snapshot: the loop body may add or remove handles. */
  [Symbol.iterator](): Iterator<T> {
    return this.#items.slice()[Symbol.iterator]();
  }
}
