// Renders a union's merged tree, or one raw layer, in the canonical listing format of
// the kernel oracle (test/oracle/overlay-oracle.py), so layerfs and kernel overlayfs can
// be compared line by line. Portable (no node:* imports): usable by any test.
//
// One line per entry, TAB separated, sorted by the path's UTF-8 bytes, root not listed:
//   path  type  mode  uid:gid  size  sha256  target  link  [mtime]
//   type   d f l, and in a raw layer (OCI form) also `wh` (a `.wh.NAME` file) and `opq`
//          (a `.wh..wh..opq` marker); wh/opq rows carry "-" in every other column
//   mode   4 octal digits (permission bits)
//   size   bytes for f, target length for l, "-" for d (directory sizes are host-specific)
//   sha256 of the content for f, "-" otherwise
//   target symlink target for l, "-" otherwise
//   link   smallest path of the hard-link group the entry belongs to (groups of >= 2
//          non-directory names sharing one identity), else "-". Identity: the union's
//          st_ino for the merged view, EntryStat.id for a raw layer.
//   mtime  whole seconds, only with { mtime: true }
// Paths are escaped as the oracle does: printable ASCII kept, backslash doubled, any
// other byte as \xNN.
import type { Layer } from "../../src/core/layer.ts";
import { OPAQUE_MARKER, WHITEOUT_PREFIX } from "../../src/core/layer.ts";
import type { Union } from "../../src/core/union.ts";

export interface ListingOptions {
  /** Append an mtime column (whole seconds). */
  mtime?: boolean;
}

/** One listed entry before formatting. */
export interface ListingEntry {
  path: string;
  type: "d" | "f" | "l" | "wh" | "opq";
  mode?: number;
  uid?: number;
  gid?: number;
  size?: number;
  sha256?: string;
  target?: string;
  /** Hard-link identity (entries sharing it form a group); undefined = not linkable. */
  identity?: number;
  mtimeSec?: number;
}

const utf8 = new TextEncoder();

/** The oracle's path escaping, applied to the UTF-8 bytes of `s`. */
export function escapeName(s: string): string {
  let out = "";
  for (const c of utf8.encode(s)) {
    if (c === 0x5c) out += "\\\\";
    else if (c >= 0x20 && c < 0x7f) out += String.fromCharCode(c);
    else out += "\\x" + c.toString(16).padStart(2, "0");
  }
  return out;
}

/** Compare two strings by their UTF-8 bytes (the oracle sorts raw bytes). */
export function compareBytes(a: string, b: string): number {
  const x = utf8.encode(a);
  const y = utf8.encode(b);
  const n = Math.min(x.length, y.length);
  for (let i = 0; i < n; i++) if (x[i] !== y[i]) return x[i]! - y[i]!;
  return x.length - y.length;
}

export async function sha256Hex(data: Uint8Array): Promise<string> {
  const digest = await crypto.subtle.digest("SHA-256", data as Uint8Array<ArrayBuffer>);
  return Array.from(new Uint8Array(digest), (b) => b.toString(16).padStart(2, "0")).join("");
}

/** Format entries as oracle listing lines (sorted, hard-link groups resolved). */
export function formatListing(entries: readonly ListingEntry[], options: ListingOptions = {}): string[] {
  const groups = new Map<number, string[]>();
  for (const e of entries) {
    if (e.identity === undefined || e.type === "d" || e.type === "wh" || e.type === "opq") continue;
    const g = groups.get(e.identity);
    if (g) g.push(e.path);
    else groups.set(e.identity, [e.path]);
  }
  const rep = new Map<string, string>();
  for (const paths of groups.values()) {
    if (paths.length < 2) continue;
    const first = [...paths].sort(compareBytes)[0]!;
    for (const p of paths) rep.set(p, first);
  }
  const sorted = [...entries].sort((a, b) => compareBytes(a.path, b.path));
  return sorted.map((e) => {
    const plain = e.type === "wh" || e.type === "opq";
    const cols = [
      escapeName(e.path),
      e.type,
      plain || e.mode === undefined ? "-" : e.mode.toString(8).padStart(4, "0"),
      plain ? "-" : `${e.uid ?? 0}:${e.gid ?? 0}`,
      e.type === "f" || e.type === "l" ? String(e.size ?? 0) : "-",
      e.type === "f" ? (e.sha256 ?? "-") : "-",
      e.type === "l" ? escapeName(e.target ?? "") : "-",
      rep.has(e.path) ? escapeName(rep.get(e.path)!) : "-",
    ];
    if (options.mtime) cols.push(plain || e.mtimeSec === undefined ? "-" : String(e.mtimeSec));
    return cols.join("\t");
  });
}

function typeLetter(t: string): "d" | "f" | "l" {
  return t === "dir" ? "d" : t === "symlink" ? "l" : "f";
}

function seconds(ns: bigint): number {
  // Floor division, as the oracle's st_mtime_ns // 10**9.
  const s = ns / 1_000_000_000n;
  return Number(ns < 0n && s * 1_000_000_000n !== ns ? s - 1n : s);
}

/** The merged view of `union`, through its public fs API, as oracle listing lines. */
export async function renderUnion(union: Union, options: ListingOptions = {}): Promise<string[]> {
  const entries: ListingEntry[] = [];
  const walk = async (dir: string, rel: string): Promise<void> => {
    for (const d of union.readdirEntries(dir)) {
      const abs = dir === "/" ? "/" + d.name : dir + "/" + d.name;
      const path = rel === "" ? d.name : rel + "/" + d.name;
      const st = union.lstat(abs);
      const type = typeLetter(st.type);
      const e: ListingEntry = {
        path, type, mode: st.mode, uid: st.uid, gid: st.gid, size: st.size,
        identity: st.ino, mtimeSec: seconds(st.mtimeNs),
      };
      if (type === "f") e.sha256 = await sha256Hex(union.readFile(abs));
      if (type === "l") e.target = union.readlink(abs);
      entries.push(e);
      if (type === "d") await walk(abs, path);
    }
  };
  await walk("/", "");
  return formatListing(entries, options);
}

/** Read a whole regular file of a layer. */
export function readLayerFile(layer: Layer, path: string): Uint8Array {
  const f = layer.open(path);
  try {
    const size = f.stat().size;
    const buf = new Uint8Array(size);
    let off = 0;
    while (off < size) {
      const n = f.read(buf.subarray(off), off);
      if (n === 0) break;
      off += n;
    }
    return off === size ? buf : buf.subarray(0, off);
  } finally {
    f.close();
  }
}

/** One raw layer in OCI form (what the oracle prints as `## upper-oci`). */
export async function renderLayer(layer: Layer, options: ListingOptions = {}): Promise<string[]> {
  const entries: ListingEntry[] = [];
  const walk = async (dir: string): Promise<void> => {
    for (const name of layer.readdir(dir)) {
      const path = dir === "" ? name : dir + "/" + name;
      if (name === OPAQUE_MARKER) {
        entries.push({ path, type: "opq" });
        continue;
      }
      if (name.startsWith(WHITEOUT_PREFIX)) {
        entries.push({ path, type: "wh" });
        continue;
      }
      const st = layer.stat(path);
      if (!st) throw new Error(`layer lists ${path} but stat() finds nothing`);
      const type = typeLetter(st.type);
      const e: ListingEntry = {
        path, type, mode: st.mode, uid: st.uid, gid: st.gid, size: st.size,
        identity: st.id, mtimeSec: seconds(st.mtimeNs),
      };
      if (type === "f") e.sha256 = await sha256Hex(readLayerFile(layer, path));
      if (type === "l") e.target = layer.readlink(path);
      entries.push(e);
      if (type === "d") await walk(path);
    }
  };
  await walk("");
  return formatListing(entries, options);
}
