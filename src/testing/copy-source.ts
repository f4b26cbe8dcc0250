/**
 * The copy-up source the mutation suite hands to `createFileFrom`: a
 * LayerFile over a buffer. Like a real layer file it refuses reads once
 * closed (EBADF), so a layer that kept the handle is caught; `lazy` offers a
 * contentSource that stays readable after close.
 */
import { Errno, FsError } from "../core/errno.ts";
import type { ContentSource, EntryStat, LayerFile } from "../core/layer.ts";

const SOURCE_TIME = 1_600_000_000_456_000_000n;

export class CopySource implements LayerFile {
  readonly data: Uint8Array;
  readonly #st: EntryStat;
  closed = false;
  readonly contentSource: (() => ContentSource) | undefined;
  constructor(data: Uint8Array, lazy = false) {
    this.data = data;
    const t = SOURCE_TIME;
    this.#st = { type: "file", mode: 0o644, uid: 0, gid: 0, size: data.length, nlink: 1, id: 4242, atimeNs: t, mtimeNs: t, ctimeNs: t };
    this.contentSource = lazy ? () => ({ read: (into, position) => readAt(data, into, position) }) : undefined;
  }
  read(into: Uint8Array, position: number): number {
    if (this.closed) throw new FsError(Errno.BADF, "read", undefined, "copy-up source read after close");
    return readAt(this.data, into, position);
  }
  stat(): EntryStat {
    if (this.closed) throw new FsError(Errno.BADF, "fstat");
    return { ...this.#st };
  }
  close(): void {
    this.closed = true;
  }
}

function readAt(data: Uint8Array, into: Uint8Array, position: number): number {
  if (position >= data.length) return 0;
  const n = Math.min(into.length, data.length - position);
  into.set(data.subarray(position, position + n));
  return n;
}
