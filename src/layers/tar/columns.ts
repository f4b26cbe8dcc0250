/**
 * The per-node columns of a tar index, as one table: each attribute of a node
 * lives in a typed array indexed by node. The builder grows them, TarIndex
 * trims them, the codec writes and reads them, all by walking this table, so
 * adding a column is one line here.
 */

/** One typed array per column (over any buffer: a shared image's are SharedArrayBuffers). */
export interface Columns {
  kind: Uint8Array;
  mode: Uint16Array;
  uid: Uint32Array;
  gid: Uint32Array;
  nlink: Uint32Array;
  size: Float64Array;
  offset: Float64Array;
  /** ns since the epoch */
  mtime: BigInt64Array;
}

/** Column name -> typed-array class (its element type fixes the stored width). */
export const COLUMNS = {
  kind: Uint8Array,
  mode: Uint16Array,
  uid: Uint32Array,
  gid: Uint32Array,
  nlink: Uint32Array,
  size: Float64Array,
  offset: Float64Array,
  mtime: BigInt64Array,
} as const satisfies Record<keyof Columns, { readonly BYTES_PER_ELEMENT: number }>;

export type ColumnName = keyof Columns;

export const COLUMN_NAMES = Object.keys(COLUMNS) as readonly ColumnName[];

/** Bytes per node over all columns. */
export const COLUMN_BYTES_PER_NODE = COLUMN_NAMES.reduce((n, c) => n + COLUMNS[c].BYTES_PER_ELEMENT, 0);

type AnyColumn = Columns[ColumnName];
type ColumnClass = new (from: number | ArrayBuffer) => AnyColumn;

/** The column `name` of `length` zeroed nodes, or over `buffer` (its byte length a multiple of the element size). */
export function newColumn<K extends ColumnName>(name: K, from: number | ArrayBuffer): Columns[K] {
  return new (COLUMNS[name] as ColumnClass)(from) as Columns[K];
}

/** Fresh zeroed columns for `n` nodes. */
export function allocColumns(n: number): Columns {
  const out = {} as Record<ColumnName, AnyColumn>;
  for (const c of COLUMN_NAMES) out[c] = newColumn(c, n);
  return out as Columns;
}

/** Columns of `n` nodes holding `cols` (copied: a grow; or cut: a trim); a column already `n` long is kept. */
export function resizeColumns(cols: Columns, n: number): Columns {
  const out = {} as Record<ColumnName, AnyColumn>;
  for (const c of COLUMN_NAMES) {
    const a: AnyColumn = cols[c];
    if (a.length === n) out[c] = a;
    else if (a.length > n) out[c] = a.slice(0, n);
    else {
      const b = newColumn(c, n);
      (b as { set(x: AnyColumn): void }).set(a);
      out[c] = b;
    }
  }
  return out as Columns;
}
