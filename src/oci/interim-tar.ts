/**
 * INTERIM, until the `tar` branch lands: the agreed ByteSource/MemorySource
 * and TarLayer API, with a TarLayer that reads the tar once into a frozen
 * MemoryLayer, plus a member lister for image archives. Replaced by
 * src/sources/byte-source.ts and src/layers/tar/ on merge (see deps.ts).
 */
import { MemoryLayer } from "../layers/memory.ts";
import type { MemorySpec } from "../layers/memory.ts";
import type { EntryStat, Layer, LayerFile } from "../core/layer.ts";

export interface ByteSource {
  readonly size: number;
  read(into: Uint8Array, position: number): number;
  view?(position: number, length: number): Uint8Array | undefined;
  close?(): void;
}

export class MemorySource implements ByteSource {
  readonly #bytes: Uint8Array;
  constructor(bytes: Uint8Array) {
    this.#bytes = bytes;
  }
  get size(): number {
    return this.#bytes.length;
  }
  read(into: Uint8Array, position: number): number {
    if (position >= this.#bytes.length) return 0;
    const part = this.#bytes.subarray(position, position + into.length);
    into.set(part);
    return part.length;
  }
  view(position: number, length: number): Uint8Array | undefined {
    if (position + length > this.#bytes.length) return undefined;
    return this.#bytes.subarray(position, position + length);
  }
}

/** One entry header of a tar, with the data's offset. */
export interface TarMember {
  readonly name: string;
  readonly type: string;
  readonly mode: number;
  readonly size: number;
  readonly mtime: number;
  readonly linkName: string;
  readonly offset: number;
}

function readAt(source: ByteSource, position: number, length: number): Uint8Array {
  const v = source.view?.(position, length);
  if (v !== undefined) return v;
  const b = new Uint8Array(length);
  let done = 0;
  while (done < length) {
    const n = source.read(b.subarray(done), position + done);
    if (n <= 0) throw new Error(`truncated tar at offset ${position + done}`);
    done += n;
  }
  return b;
}

const text = new TextDecoder();
function field(h: Uint8Array, at: number, len: number): string {
  const f = h.subarray(at, at + len);
  const nul = f.indexOf(0);
  return text.decode(nul < 0 ? f : f.subarray(0, nul));
}
function octal(h: Uint8Array, at: number, len: number): number {
  if ((h[at]! & 0x80) !== 0) {
    let v = 0;
    for (let i = at + 1; i < at + len; i++) v = v * 256 + h[i]!;
    return v;
  }
  const s = field(h, at, len).trim();
  return s === "" ? 0 : parseInt(s, 8);
}

/** Every entry of a tar, in order (PAX path/linkpath/size and GNU L/K applied). */
export function listTar(source: ByteSource): TarMember[] {
  const out: TarMember[] = [];
  let pos = 0;
  let longName: string | undefined;
  let longLink: string | undefined;
  let pax: Record<string, string> = {};
  while (pos + 512 <= source.size) {
    const h = readAt(source, pos, 512);
    if (h.every((b) => b === 0)) break;
    let sum = 0;
    for (let i = 0; i < 512; i++) sum += i >= 148 && i < 156 ? 32 : h[i]!;
    if (sum !== octal(h, 148, 8)) throw new Error(`bad tar header checksum at offset ${pos}`);
    const type = String.fromCharCode(h[156]!) || "0";
    let size = octal(h, 124, 12);
    if (pax.size !== undefined) size = Number(pax.size);
    const dataAt = pos + 512;
    if (!Number.isSafeInteger(size) || size < 0 || dataAt + size > source.size) throw new Error(`tar entry at offset ${pos}: size ${size} runs past the end`);
    const next = dataAt + Math.ceil(size / 512) * 512;
    if (type === "x" || type === "g" || type === "L" || type === "K") {
      const body = text.decode(readAt(source, dataAt, size));
      if (type === "L") longName = body.replace(/\0+$/, "");
      else if (type === "K") longLink = body.replace(/\0+$/, "");
      else if (type === "x") {
        let i = 0;
        while (i < body.length) {
          const sp = body.indexOf(" ", i);
          const len = parseInt(body.slice(i, sp), 10);
          if (!(len > 0)) break;
          const rec = body.slice(sp + 1, i + len - 1);
          const eq = rec.indexOf("=");
          pax[rec.slice(0, eq)] = rec.slice(eq + 1);
          i += len;
        }
      }
      pos = next;
      continue;
    }
    const prefix = field(h, 345, 155);
    let name = longName ?? pax.path ?? (prefix !== "" && field(h, 257, 6).startsWith("ustar") ? prefix + "/" + field(h, 0, 100) : field(h, 0, 100));
    const linkName = longLink ?? pax.linkpath ?? field(h, 157, 100);
    name = name.replace(/^(\.\/)+/, "").replace(/^\/+/, "");
    out.push({ name, type, mode: octal(h, 100, 8) & 0o7777, size, mtime: Number(pax.mtime ?? octal(h, 136, 12)), linkName, offset: dataAt });
    longName = longLink = undefined;
    pax = {};
    pos = next;
  }
  return out;
}

/** INTERIM TarLayer: a frozen MemoryLayer over the tar's entries (copies file bytes). */
export class TarLayer implements Layer {
  readonly name: string | undefined;
  readonly #inner: MemoryLayer;
  readonly #source: ByteSource;

  constructor(source: ByteSource, options: { name?: string } = {}) {
    this.name = options.name;
    this.#source = source;
    const spec: MemorySpec = {};
    for (const m of listTar(source)) {
      const path = m.name.replace(/\/+$/, "");
      if (path === "" || path.split("/").some((c) => c === ".." || c === ".")) continue;
      const attrs = { mode: m.mode, mtimeNs: BigInt(Math.floor(m.mtime)) * 1_000_000_000n };
      delete spec[path];
      if (m.type === "5") spec[path] = { dir: true, ...attrs };
      else if (m.type === "2") spec[path] = { symlink: m.linkName, ...attrs };
      else if (m.type === "1") spec[path] = { link: m.linkName.replace(/^(\.\/)+/, "").replace(/^\/+/, "") };
      else if (m.type === "0" || m.type === "\0" || m.type === "7") spec[path] = { file: readAt(source, m.offset, m.size).slice(), ...attrs };
    }
    this.#inner = MemoryLayer.from(spec, { freeze: true, timeNs: 0n });
  }

  static fromBytes(bytes: Uint8Array): TarLayer {
    return new TarLayer(new MemorySource(bytes));
  }

  stat(path: string): EntryStat | undefined {
    return this.#inner.stat(path);
  }
  readdir(path: string): string[] {
    return this.#inner.readdir(path);
  }
  readlink(path: string): string {
    return this.#inner.readlink(path);
  }
  open(path: string): LayerFile {
    return this.#inner.open(path);
  }
  close(): void {
    this.#source.close?.();
  }
}
