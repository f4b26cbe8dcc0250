// A tiny raw tar writer for tests: every header field is settable, so it can
// also write the broken and hostile archives of the corpus (tar-corpus.ts),
// which no real tar writer would produce. Portable (no node:*).

export interface RawEntry {
  /** Typeflag character (default "0"). */
  type?: string;
  /** Name field bytes/text (ustar name, truncated at 100 bytes unless `prefix`). */
  name: string | Uint8Array;
  prefix?: string;
  linkname?: string;
  mode?: number;
  uid?: number;
  gid?: number;
  /** Size field (default: data length). A number, or raw field bytes (e.g. base-256). */
  size?: number | Uint8Array;
  mtime?: number;
  /** Magic+version: "ustar\0" "00" (default) or GNU "ustar  \0". */
  magic?: "ustar" | "gnu" | "none";
  data?: string | Uint8Array;
  /** Override the checksum with this value (wrong checksums). */
  checksum?: number;
  /** Bytes of data actually written (default: all of data, padded to 512). */
  writeData?: boolean;
}

const enc = new TextEncoder();
const bytes = (s: string | Uint8Array): Uint8Array => (typeof s === "string" ? enc.encode(s) : s);

function octal(buf: Uint8Array, at: number, len: number, value: number): void {
  const s = value.toString(8).padStart(len - 1, "0");
  if (s.length > len - 1) throw new Error(`octal ${value} does not fit ${len} bytes`);
  buf.set(enc.encode(s), at);
  buf[at + len - 1] = 0;
}

/** One 512-byte header block (+ data blocks). */
export function rawEntry(e: RawEntry): Uint8Array {
  const data = e.data === undefined ? new Uint8Array(0) : bytes(e.data);
  const h = new Uint8Array(512);
  const name = bytes(e.name);
  h.set(name.subarray(0, 100), 0);
  octal(h, 100, 8, e.mode ?? (e.type === "5" ? 0o755 : 0o644));
  octal(h, 108, 8, e.uid ?? 0);
  octal(h, 116, 8, e.gid ?? 0);
  if (e.size instanceof Uint8Array) h.set(e.size, 124);
  else octal(h, 124, 12, e.size ?? data.length);
  octal(h, 136, 12, e.mtime ?? 1_700_000_000);
  h[156] = (e.type ?? "0").charCodeAt(0);
  if (e.linkname) h.set(enc.encode(e.linkname).subarray(0, 100), 157);
  const magic = e.magic ?? "ustar";
  if (magic === "ustar") {
    h.set(enc.encode("ustar\u000000"), 257);
    if (e.prefix) h.set(enc.encode(e.prefix).subarray(0, 155), 345);
  } else if (magic === "gnu") {
    h.set(enc.encode("ustar  \u0000"), 257);
  }
  h.fill(0x20, 148, 156);
  let sum = 0;
  for (const b of h) sum += b;
  octal(h, 148, 7, e.checksum ?? sum);
  h[155] = 0x20;
  if (e.writeData === false) return h;
  const padded = new Uint8Array(512 + Math.ceil(data.length / 512) * 512);
  padded.set(h);
  padded.set(data, 512);
  return padded;
}

/** PAX records ("%d key=value\n") for a type x or g header. */
export function paxRecords(records: Record<string, string>): Uint8Array {
  const parts: Uint8Array[] = [];
  for (const [k, v] of Object.entries(records)) {
    const body = ` ${k}=${v}\n`;
    const bodyLen = enc.encode(body).length;
    let len = bodyLen + 1;
    while (String(len).length + bodyLen !== len) len = String(len).length + bodyLen;
    parts.push(enc.encode(`${len}${body}`));
  }
  return concat(parts);
}

export function paxEntry(records: Record<string, string> | Uint8Array, global = false): Uint8Array {
  const data = records instanceof Uint8Array ? records : paxRecords(records);
  return rawEntry({ type: global ? "g" : "x", name: "PaxHeader", data });
}

export function gnuLong(type: "L" | "K", text: string | Uint8Array): Uint8Array {
  const t = bytes(text);
  const data = new Uint8Array(t.length + 1);
  data.set(t);
  return rawEntry({ type, name: "././@LongLink", data, magic: "gnu" });
}

/** Two zero blocks. */
export const END = new Uint8Array(1024);

export function concat(parts: readonly Uint8Array[]): Uint8Array {
  let n = 0;
  for (const p of parts) n += p.length;
  const out = new Uint8Array(n);
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

/** An archive of raw entries plus the end marker. */
export function tar(...parts: Uint8Array[]): Uint8Array {
  return concat([...parts, END]);
}

/** A GNU base-256 12-byte size/number field. */
export function base256(value: bigint, len = 12): Uint8Array {
  const f = new Uint8Array(len);
  let v = value;
  for (let i = len - 1; i > 0; i--) {
    f[i] = Number(v & 0xffn);
    v >>= 8n;
  }
  f[0] = 0x80 | Number(v & 0x7fn);
  return f;
}
