/**
 * Standard streams for a guest: where fd 0 reads from and fds 1/2 write to.
 * Portable: the process's own streams are found at run time (js-runtime.ts),
 * and a browser prints to the console.
 */
import { denoStdio, nodeFs, nodeProcess } from "./js-runtime.ts";

/** Where fd 0 reads from. */
export interface InputSource {
  /** Read up to `into.length` bytes; 0 means end of input. May block (synchronous). */
  read(into: Uint8Array): number;
  /** Bytes known to be readable without waiting, or undefined when unknown (poll reports ready). */
  available(): number | undefined;
}

/** Where fd 1 and fd 2 write to. `bytes` is the sink's to keep. */
export interface OutputSink {
  write(bytes: Uint8Array): void;
  /** Wait for buffered output to be delivered (run() calls it before resolving). */
  flush?(): void | Promise<void>;
}

/** Anything with a writer, like a WHATWG WritableStream<Uint8Array>. */
export interface WritableStreamLike {
  getWriter(): { write(chunk: Uint8Array): Promise<void>; releaseLock(): void; readonly ready?: Promise<unknown> };
}

/** Anything with a write(chunk) method, like a Node stream.Writable. */
export interface WriterLike {
  write(chunk: Uint8Array): unknown;
}

/** What fd 0 reads: bytes or a string (then end of input), a callback, an InputSource, the process's stdin ("inherit") or nothing ("ignore"). */
export type StdinOption =
  | Uint8Array
  | string
  | StdinCallback
  | "inherit"
  | "ignore"
  | InputSource;

/**
 * A stdin callback gets the guest's buffer (`into.length` is the most it can take) and either
 * fills it and returns the count, or returns the next bytes (kept until read). 0, null,
 * undefined or an empty result mean end of input.
 */
export type StdinCallback = (into: Uint8Array) => number | Uint8Array | string | null | undefined;

/** Where fd 1 / fd 2 go: a callback, a WritableStream, a Node-style writer, the process's own ("inherit") or nowhere ("ignore"). */
export type StdoutOption = ((bytes: Uint8Array) => void) | WritableStreamLike | WriterLike | "inherit" | "ignore";

const encoder = new TextEncoder();

/** stdin from a fixed buffer (or string), then end of input. */
export class BufferSource implements InputSource {
  private readonly data: Uint8Array;
  private offset = 0;
  constructor(data: Uint8Array | string) {
    this.data = typeof data === "string" ? encoder.encode(data) : data;
  }
  read(into: Uint8Array): number {
    const n = Math.min(into.length, this.data.length - this.offset);
    into.set(this.data.subarray(this.offset, this.offset + n));
    this.offset += n;
    return n;
  }
  available(): number {
    return this.data.length - this.offset;
  }
}

/** stdin from a StdinCallback. */
export class CallbackSource implements InputSource {
  private pending: Uint8Array = new Uint8Array(0);
  private ended = false;
  constructor(private readonly next: StdinCallback) {}
  read(into: Uint8Array): number {
    if (into.length === 0) return 0;
    if (this.pending.length === 0 && !this.ended) {
      const got = this.next(into);
      if (typeof got === "number") {
        // Filled `into` directly (zero copy).
        if (got <= 0) this.ended = true;
        return Math.min(Math.max(0, got), into.length);
      }
      if (got === null || got === undefined || got.length === 0) this.ended = true;
      else this.pending = typeof got === "string" ? encoder.encode(got) : got;
    }
    const n = Math.min(into.length, this.pending.length);
    into.set(this.pending.subarray(0, n));
    this.pending = this.pending.subarray(n);
    return n;
  }
  available(): number | undefined {
    return this.pending.length > 0 ? this.pending.length : this.ended ? 0 : undefined;
  }
}

export const EMPTY_SOURCE: InputSource = { read: () => 0, available: () => 0 };
export const DISCARD_SINK: OutputSink = { write() {} };

// ---- the process's own streams ----

/** Sleep without spinning, where the runtime allows it (used to retry EAGAIN on a non-blocking stdin). */
function nap(ms: number): void {
  try {
    Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
  } catch { /* not allowed here: retry at once */ }
}

function inheritSource(): InputSource {
  const d = denoStdio();
  if (d) {
    return { read: (into) => (into.length === 0 ? 0 : d.stdin.readSync(into) ?? 0), available: () => undefined };
  }
  const fs = nodeFs();
  if (fs) {
    return {
      read(into) {
        if (into.length === 0) return 0;
        for (;;) {
          try {
            return fs.readSync(0, into, 0, into.length, null);
          } catch (e) {
            const code = (e as { code?: string }).code;
            if (code === "EAGAIN") { nap(5); continue; }
            if (code === "EOF") return 0;
            throw e;
          }
        }
      },
      available: () => undefined,
    };
  }
  return EMPTY_SOURCE; // browsers: no process stdin
}

/** Console output for browsers: decode as UTF-8, print whole lines, the rest at flush. */
class ConsoleSink implements OutputSink {
  private readonly decoder = new TextDecoder();
  private line = "";
  constructor(private readonly print: (s: string) => void) {}
  write(bytes: Uint8Array): void {
    this.line += this.decoder.decode(bytes, { stream: true });
    let nl: number;
    while ((nl = this.line.indexOf("\n")) >= 0) {
      this.print(this.line.slice(0, nl));
      this.line = this.line.slice(nl + 1);
    }
  }
  flush(): void {
    this.line += this.decoder.decode();
    if (this.line !== "") this.print(this.line);
    this.line = "";
  }
}

function inheritSink(fd: 1 | 2): OutputSink {
  const d = denoStdio();
  if (d) {
    const w = fd === 1 ? d.stdout : d.stderr;
    return {
      write(bytes) {
        let off = 0;
        while (off < bytes.length) off += w.writeSync(bytes.subarray(off));
      },
    };
  }
  const fs = nodeFs();
  if (fs) {
    return {
      write(bytes) {
        let off = 0;
        while (off < bytes.length) {
          try {
            off += fs.writeSync(fd, bytes, off, bytes.length - off);
          } catch (e) {
            if ((e as { code?: string }).code === "EAGAIN") { nap(1); continue; }
            throw e;
          }
        }
      },
    };
  }
  const stream = fd === 1 ? nodeProcess()?.stdout : nodeProcess()?.stderr;
  if (stream) return { write: (bytes) => void stream.write(bytes) };
  // eslint-disable-next-line no-console
  return new ConsoleSink(fd === 1 ? (s) => console.log(s) : (s) => console.error(s));
}

export function makeSource(option: StdinOption | undefined): InputSource {
  if (option === undefined || option === "inherit") return inheritSource();
  if (option === "ignore") return EMPTY_SOURCE;
  if (typeof option === "string" || option instanceof Uint8Array) return new BufferSource(option);
  if (typeof option === "function") return new CallbackSource(option);
  if (typeof (option as InputSource).read === "function") return option as InputSource;
  throw new TypeError("stdin: expected a Uint8Array, a string, a function, \"inherit\" or \"ignore\"");
}

export function makeSink(option: StdoutOption | undefined, fd: 1 | 2): OutputSink {
  if (option === undefined || option === "inherit") return inheritSink(fd);
  if (option === "ignore") return DISCARD_SINK;
  if (typeof option === "function") return { write: option };
  if (typeof (option as WritableStreamLike).getWriter === "function") {
    const writer = (option as WritableStreamLike).getWriter();
    let pending: Promise<unknown> = Promise.resolve();
    let failure: unknown;
    return {
      write(bytes) {
        if (failure !== undefined) throw failure;
        pending = writer.write(bytes).catch((e: unknown) => { failure = e; });
      },
      async flush() {
        await pending;
        writer.releaseLock();
      },
    };
  }
  if (typeof (option as WriterLike).write === "function") {
    const w = option as WriterLike;
    return { write: (bytes) => void w.write(bytes) };
  }
  throw new TypeError(`${fd === 1 ? "stdout" : "stderr"}: expected a function, a WritableStream, a writer, "inherit" or "ignore"`);
}
