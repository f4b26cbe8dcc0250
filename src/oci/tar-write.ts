/**
 * Writing tars (committed layers, `exportTar`, image archives) with
 * modern-tar's streaming packer: zero dependencies, Web Streams only (no Node
 * built-ins), so the same code runs in Node, Deno and browsers; it writes
 * POSIX ustar with PAX records for long names, big sizes and big ids, and it
 * applies backpressure (the archive is never materialised).
 *
 * Headers are deterministic: no user/group names, times are the entries' own
 * (a PAX `mtime` record carries sub-second precision), and file bodies are
 * read from their source in chunks, never whole.
 */
import { createTarPacker } from "modern-tar";
import type { TarHeader } from "modern-tar";

/** One entry to write. Paths are archive-relative, without a leading "/" or "./". */
export type TarItem =
  | { type: "dir" | "symlink" | "link"; path: string; mode: number; uid: number; gid: number; mtimeNs: bigint; linkname?: string }
  | { type: "file"; path: string; mode: number; uid: number; gid: number; mtimeNs: bigint; size: number; body: FileBody | ReadableStream<Uint8Array> };

/** Where a file's bytes come from (or a ReadableStream): `read(into, position)` preads (0 at EOF); `close` when done. */
export interface FileBody {
  read(into: Uint8Array, position: number): number;
  close?(): void;
}

/** Bytes read per chunk from a file body. */
export const BODY_CHUNK = 256 * 1024;

/** A body over bytes in memory. */
export function bytesBody(bytes: Uint8Array): FileBody {
  return {
    read(into, position) {
      const n = Math.max(0, Math.min(into.length, bytes.length - position));
      into.set(bytes.subarray(position, position + n));
      return n;
    },
  };
}

/** The modern-tar header of an item (mode bits, ids, PAX mtime when it has a fraction of a second). */
export function tarHeader(item: TarItem): TarHeader {
  const sec = floorDiv(item.mtimeNs, 1_000_000_000n);
  const frac = item.mtimeNs - sec * 1_000_000_000n;
  const header: TarHeader = {
    name: item.type === "dir" ? item.path + "/" : item.path,
    size: item.type === "file" ? item.size : 0,
    mode: item.mode & 0o7777,
    uid: item.uid,
    gid: item.gid,
    // ustar holds whole non-negative seconds; PAX carries the exact time.
    mtime: new Date(Number(sec < 0n ? 0n : sec) * 1000),
    type: item.type === "dir" ? "directory" : item.type,
  };
  if (item.type === "symlink" || item.type === "link") header.linkname = item.linkname ?? "";
  if (frac !== 0n || sec < 0n) header.pax = { mtime: paxTime(sec, frac) };
  return header;
}

function floorDiv(a: bigint, b: bigint): bigint {
  const q = a / b;
  return a % b !== 0n && a < 0n ? q - 1n : q;
}

/** PAX time: seconds, then up to 9 fraction digits without trailing zeros. */
function paxTime(sec: bigint, frac: bigint): string {
  if (frac === 0n) return String(sec);
  return `${sec}.${String(frac).padStart(9, "0").replace(/0+$/, "")}`;
}

/**
 * A tar written entry by entry: `add` resolves once the entry is handed to the
 * packer (backpressure: it waits while the reader is behind). File bodies are
 * preads (FileBody) or a stream; one that yields fewer or more bytes than the
 * declared size fails with an error naming the entry (it changed while being
 * archived).
 */
export class TarWriter {
  readonly readable: ReadableStream<Uint8Array>;
  readonly #controller: ReturnType<typeof createTarPacker>["controller"];

  constructor() {
    const { readable, controller } = createTarPacker();
    this.readable = readable;
    this.#controller = controller;
  }

  async add(item: TarItem): Promise<void> {
    const writer = this.#controller.add(tarHeader(item)).getWriter();
    if (item.type === "file") {
      const body = item.body;
      if (body instanceof ReadableStream) await writeStreamBody(writer, item.path, item.size, body);
      else {
        try {
          await writeBody(writer, item.path, item.size, body);
        } finally {
          body.close?.();
        }
      }
    }
    await writer.close();
  }

  /** Write the end-of-archive marker and end the stream. */
  finish(): void {
    this.#controller.finalize();
  }

  /** End the stream with an error. */
  error(e: unknown): void {
    this.#controller.error(e);
  }
}

/** A tar of `items`, pulled as the stream is read. */
export function tarStream(items: Iterable<TarItem> | AsyncIterable<TarItem>): ReadableStream<Uint8Array> {
  const tar = new TarWriter();
  const pump = async (): Promise<void> => {
    for await (const item of items) await tar.add(item);
    tar.finish();
  };
  pump().catch((e: unknown) => tar.error(e));
  return tar.readable;
}

async function writeBody(writer: WritableStreamDefaultWriter<Uint8Array>, path: string, size: number, body: FileBody): Promise<void> {
  let pos = 0;
  while (pos < size) {
    const buf = new Uint8Array(Math.min(BODY_CHUNK, size - pos));
    const n = body.read(buf, pos);
    if (n <= 0) throw new Error(`${path}: file shrank while being archived (${pos} of ${size} bytes)`);
    pos += n;
    await writer.write(n === buf.length ? buf : buf.subarray(0, n));
  }
  const probe = new Uint8Array(1);
  if (body.read(probe, pos) > 0) throw new Error(`${path}: file grew while being archived (more than ${size} bytes)`);
}

async function writeStreamBody(writer: WritableStreamDefaultWriter<Uint8Array>, path: string, size: number, body: ReadableStream<Uint8Array>): Promise<void> {
  let pos = 0;
  const reader = body.getReader();
  try {
    for (;;) {
      const r = await reader.read();
      if (r.done) break;
      pos += r.value.length;
      if (pos > size) throw new Error(`${path}: more than the expected ${size} bytes`);
      await writer.write(r.value);
    }
  } catch (e) {
    await reader.cancel(e).catch(() => {});
    throw e;
  }
  if (pos !== size) throw new Error(`${path}: ${pos} bytes, expected ${size}`);
}

/** All of a stream's bytes (small archives, tests). */
export async function streamBytes(stream: ReadableStream<Uint8Array>): Promise<Uint8Array> {
  const chunks: Uint8Array[] = [];
  let total = 0;
  const reader = stream.getReader();
  for (;;) {
    const r = await reader.read();
    if (r.done) break;
    chunks.push(r.value);
    total += r.value.length;
  }
  const out = new Uint8Array(total);
  let at = 0;
  for (const c of chunks) {
    out.set(c, at);
    at += c.length;
  }
  return out;
}
