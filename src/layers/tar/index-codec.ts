/**
 * TarIndex <-> bytes, so an index can be cached beside its blob and a warm
 * start skips the header scan. Little-endian; typed-array columns copied as
 * they are; each directory's child names joined by "/" (names hold no "/" or
 * NUL) and decoded with one TextDecoder call; symlink targets joined by NUL.
 *
 * Decoding validates everything a corrupt or foreign file could break: bounds,
 * kinds, child ids, names, that directories form a tree from the root (no
 * cycles, no directory twice), and that content lies inside the tar.
 */
import { KIND_DIR, KIND_FILE, KIND_SYMLINK } from "./kinds.ts";

/** What a TarIndex is made of (the Builder of index.ts, or a decoded file). */
export interface IndexParts {
  count: number;
  entries: number;
  headers: number;
  devices: number;
  archiveSize: number;
  sourceSize: number;
  warnings: string[];
  warningCount: number;
  kind: Uint8Array;
  mode: Uint16Array;
  uid: Uint32Array;
  gid: Uint32Array;
  nlink: Uint32Array;
  size: Float64Array;
  offset: Float64Array;
  mtime: BigInt64Array;
  children: (Map<string, number> | undefined)[];
  targets: Map<number, string>;
  times: Map<number, { atime?: bigint; ctime?: bigint }>;
}

/** What encodeIndex reads (a TarIndex). */
export interface IndexView {
  readonly nodes: number;
  readonly entries: number;
  readonly headers: number;
  readonly devices: number;
  readonly archiveSize: number;
  readonly sourceSize: number;
  readonly warnings: readonly string[];
  readonly warningCount: number;
  readonly kind: Uint8Array;
  readonly mode: Uint16Array;
  readonly uid: Uint32Array;
  readonly gid: Uint32Array;
  readonly nlink: Uint32Array;
  readonly size: Float64Array;
  readonly offset: Float64Array;
  readonly mtime: BigInt64Array;
  readonly children: readonly (Map<string, number> | undefined)[];
  readonly targets: ReadonlyMap<number, string>;
  readonly times: ReadonlyMap<number, { atime?: bigint; ctime?: bigint }>;
}

const MAGIC = 0x4954464c; // "LFTI"
const VERSION = 1;
const enc = new TextEncoder();
const dec = new TextDecoder("utf-8", { fatal: true });

class Writer {
  buf = new Uint8Array(1 << 16);
  at = 0;
  reserve(n: number): void {
    if (this.at + n <= this.buf.length) return;
    let size = this.buf.length * 2;
    while (size < this.at + n) size *= 2;
    const b = new Uint8Array(size);
    b.set(this.buf.subarray(0, this.at));
    this.buf = b;
  }
  align(): void {
    this.reserve(8);
    this.at = (this.at + 7) & ~7;
  }
  u32(v: number): void {
    this.reserve(4);
    new DataView(this.buf.buffer).setUint32(this.at, v, true);
    this.at += 4;
  }
  f64(v: number): void {
    this.reserve(8);
    new DataView(this.buf.buffer).setFloat64(this.at, v, true);
    this.at += 8;
  }
  bytes(b: Uint8Array): void {
    this.reserve(b.length);
    this.buf.set(b, this.at);
    this.at += b.length;
  }
  column(a: ArrayBufferView): void {
    this.align();
    this.bytes(new Uint8Array(a.buffer, a.byteOffset, a.byteLength));
  }
  text(s: string): void {
    const b = enc.encode(s);
    this.u32(b.length);
    this.bytes(b);
  }
}

export function encodeIndex(ix: IndexView): Uint8Array {
  const w = new Writer();
  w.u32(MAGIC);
  w.u32(VERSION);
  w.u32(ix.nodes);
  w.u32(ix.entries);
  w.u32(ix.headers);
  w.u32(ix.devices);
  w.f64(ix.archiveSize);
  w.f64(ix.sourceSize);
  w.u32(ix.warningCount);
  w.u32(ix.warnings.length);
  for (const m of ix.warnings) w.text(m);
  w.column(ix.kind);
  w.column(ix.mode);
  w.column(ix.uid);
  w.column(ix.gid);
  w.column(ix.nlink);
  w.column(ix.size);
  w.column(ix.offset);
  w.column(ix.mtime);
  let dirs = 0;
  for (const m of ix.children) if (m !== undefined) dirs++;
  w.u32(dirs);
  ix.children.forEach((m, node) => {
    if (m === undefined) return;
    w.u32(node);
    w.u32(m.size);
    w.text([...m.keys()].join("/"));
    for (const child of m.values()) w.u32(child);
  });
  w.u32(ix.targets.size);
  for (const node of ix.targets.keys()) w.u32(node);
  w.text([...ix.targets.values()].join("\0"));
  w.u32(ix.times.size);
  for (const [node, t] of ix.times) {
    w.u32(node);
    w.u32((t.atime !== undefined ? 1 : 0) | (t.ctime !== undefined ? 2 : 0));
    w.align();
    const v = new BigInt64Array([t.atime ?? 0n, t.ctime ?? 0n]);
    w.column(v);
  }
  return w.buf.slice(0, w.at);
}

class CorruptIndex extends Error {
  constructor(why: string) {
    super(`corrupt tar index: ${why}`);
    this.name = "Error";
  }
}

class Reader {
  at = 0;
  readonly view: DataView;
  constructor(readonly buf: Uint8Array) {
    this.view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  }
  need(n: number): void {
    if (!(n >= 0) || this.at + n > this.buf.length) throw new CorruptIndex("truncated");
  }
  u32(): number {
    this.need(4);
    const v = this.view.getUint32(this.at, true);
    this.at += 4;
    return v;
  }
  f64(): number {
    this.need(8);
    const v = this.view.getFloat64(this.at, true);
    this.at += 8;
    return v;
  }
  text(): string {
    const n = this.u32();
    this.need(n);
    const b = this.buf.subarray(this.at, this.at + n);
    this.at += n;
    try {
      return dec.decode(b);
    } catch {
      throw new CorruptIndex("invalid UTF-8");
    }
  }
  /** A copy of the next column (aligned, own buffer, so typed arrays of any alignment work). */
  column(bytes: number): ArrayBuffer {
    this.at = (this.at + 7) & ~7;
    this.need(bytes);
    const copy = this.buf.slice(this.at, this.at + bytes).buffer as ArrayBuffer;
    this.at += bytes;
    return copy;
  }
}

export function decodeIndex(bytes: Uint8Array): IndexParts {
  const r = new Reader(bytes);
  if (r.u32() !== MAGIC) throw new CorruptIndex("not a layerfs tar index");
  const version = r.u32();
  if (version !== VERSION) throw new CorruptIndex(`version ${version}, this layerfs reads ${VERSION}`);
  const count = r.u32();
  if (count < 1 || count * 8 > bytes.length) throw new CorruptIndex(`bad node count ${count}`);
  const entries = r.u32();
  const headers = r.u32();
  const devices = r.u32();
  const archiveSize = r.f64();
  const sourceSize = r.f64();
  if (!Number.isSafeInteger(sourceSize) || sourceSize < 0 || !Number.isSafeInteger(archiveSize)) throw new CorruptIndex("bad sizes");
  const warningCount = r.u32();
  const nWarnings = r.u32();
  if (nWarnings > 100) throw new CorruptIndex("bad warning count");
  const warnings: string[] = [];
  for (let i = 0; i < nWarnings; i++) warnings.push(r.text());
  const kind = new Uint8Array(r.column(count));
  const mode = new Uint16Array(r.column(count * 2));
  const uid = new Uint32Array(r.column(count * 4));
  const gid = new Uint32Array(r.column(count * 4));
  const nlink = new Uint32Array(r.column(count * 4));
  const size = new Float64Array(r.column(count * 8));
  const offset = new Float64Array(r.column(count * 8));
  const mtime = new BigInt64Array(r.column(count * 8));
  for (let i = 0; i < count; i++) {
    const k = kind[i]!;
    if (k !== KIND_FILE && k !== KIND_DIR && k !== KIND_SYMLINK) throw new CorruptIndex(`node ${i} has kind ${k}`);
    if (mode[i]! > 0o7777) throw new CorruptIndex(`node ${i} has mode ${mode[i]}`);
    const s = size[i]!;
    const o = offset[i]!;
    if (!Number.isSafeInteger(s) || s < 0 || !Number.isSafeInteger(o) || o < 0) throw new CorruptIndex(`node ${i} has size ${s} at ${o}`);
    if (k === KIND_FILE && o + s > sourceSize) throw new CorruptIndex(`node ${i} lies past the end of the tar`);
  }
  if (kind[0] !== KIND_DIR) throw new CorruptIndex("the root is not a directory");

  const children: (Map<string, number> | undefined)[] = new Array(count);
  const nDirs = r.u32();
  if (nDirs > count) throw new CorruptIndex("bad directory count");
  for (let d = 0; d < nDirs; d++) {
    const node = r.u32();
    const n = r.u32();
    if (node >= count || kind[node] !== KIND_DIR || children[node] !== undefined) throw new CorruptIndex(`bad directory ${node}`);
    const joined = r.text();
    const names = n === 0 ? [] : joined.split("/");
    if (names.length !== n) throw new CorruptIndex(`directory ${node}: ${names.length} names for ${n} children`);
    const m = new Map<string, number>();
    for (const name of names) {
      const child = r.u32();
      if (child >= count || child === 0) throw new CorruptIndex(`directory ${node}: bad child ${child}`);
      if (name === "" || name === "." || name === ".." || name.includes("\0") || m.has(name)) throw new CorruptIndex(`directory ${node}: bad name ${JSON.stringify(name)}`);
      m.set(name, child);
    }
    children[node] = m;
  }
  // The directories must form a tree from the root: each reached once, no cycles.
  const seen = new Uint8Array(count);
  seen[0] = 1;
  const stack = [0];
  while (stack.length > 0) {
    const m = children[stack.pop()!];
    if (m === undefined) throw new CorruptIndex("a live directory has no listing");
    for (const child of m.values()) {
      if (kind[child] !== KIND_DIR) continue;
      if (seen[child]) throw new CorruptIndex(`directory ${child} is reached twice`);
      seen[child] = 1;
      stack.push(child);
    }
  }

  const targets = new Map<number, string>();
  const nTargets = r.u32();
  if (nTargets > count) throw new CorruptIndex("bad symlink count");
  const targetNodes: number[] = [];
  for (let i = 0; i < nTargets; i++) targetNodes.push(r.u32());
  const joinedTargets = r.text();
  const texts = nTargets === 0 ? [] : joinedTargets.split("\0");
  if (texts.length !== nTargets) throw new CorruptIndex("symlink targets do not match");
  targetNodes.forEach((node, i) => {
    if (node >= count || kind[node] !== KIND_SYMLINK) throw new CorruptIndex(`bad symlink ${node}`);
    targets.set(node, texts[i]!);
  });

  const times = new Map<number, { atime?: bigint; ctime?: bigint }>();
  const nTimes = r.u32();
  if (nTimes > count) throw new CorruptIndex("bad times count");
  for (let i = 0; i < nTimes; i++) {
    const node = r.u32();
    const flags = r.u32();
    const v = new BigInt64Array(r.column(16));
    if (node >= count) throw new CorruptIndex(`bad times node ${node}`);
    times.set(node, { atime: flags & 1 ? v[0] : undefined, ctime: flags & 2 ? v[1] : undefined });
  }
  if (r.at !== bytes.length) throw new CorruptIndex("trailing bytes");
  return { count, entries, headers, devices, archiveSize, sourceSize, warnings, warningCount, kind, mode, uid, gid, nlink, size, offset, mtime, children, targets, times };
}
