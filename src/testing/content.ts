/**
 * Content checks shared by both suites: a whole read against chunked reads at
 * odd offsets and sizes, EOF behaviour, and (when known) the expected bytes;
 * plus the small byte helpers the suites build their data with.
 */
import type { LayerFile } from "../core/layer.ts";
import type { Report } from "./report.ts";

const ODD_CHUNKS = [1, 7, 4099, 65537];

/** Compare a whole read of `f` with chunked reads; check EOF behaviour. `want`: known content. */
export function checkReads(report: Report, path: string, f: LayerFile, size: number, want: Uint8Array | undefined): void {
    const n = Math.min(size, report.maxRead);
    const whole = new Uint8Array(n + 16);
    const got = report.guard("read", () => readFull(f, whole, 0), path);
    if (got === undefined) return;
    const expectGot = n + (size > n ? Math.min(16, size - n) : 0);
    if (got !== expectGot) {
      report.problem(path, `whole read returned ${got} bytes, want ${expectGot} (size ${size})`);
      return;
    }
    if (want !== undefined) {
      const diff = firstDiff(whole.subarray(0, n), want.subarray(0, n));
      if (diff >= 0 || want.length !== size) report.problem(path, `content differs from what was written (first difference at byte ${diff}, size ${size}/${want.length})`);
    }
    for (const step of ODD_CHUNKS) {
      if (step > 1 && step > 2 * n + 1) continue;
      if (step === 1 && n > 4096) continue;
      const buf = new Uint8Array(step);
      let pos = step === 1 ? 0 : 3; // odd start offset
      let bad = -1;
      while (pos < n) {
        const len = Math.min(step, n - pos);
        const r = report.guard("chunked read", () => f.read(buf.subarray(0, len), pos), path);
        if (r === undefined) return;
        if (r <= 0 || r > len) {
          report.problem(path, `read of ${len} bytes at ${pos} returned ${r}`);
          return;
        }
        const d = firstDiff(buf.subarray(0, r), whole.subarray(pos, pos + r));
        if (d >= 0) {
          bad = pos + d;
          break;
        }
        pos += r;
      }
      if (bad >= 0) {
        report.problem(path, `chunked read (${step}-byte reads) differs from the whole read at byte ${bad}`);
        return;
      }
    }
    const tail = new Uint8Array(8);
    for (const at of [size, size + 1, size + 100_000]) {
      const r = report.guard("read past EOF", () => f.read(tail, at), path);
      if (r !== undefined && r !== 0) report.problem(path, `read at ${at} (size ${size}) returned ${r}, want 0`);
    }
    if (size > 0) {
      const r = report.guard("read of 0 bytes", () => f.read(new Uint8Array(0), 0), path);
      if (r !== undefined && r !== 0) report.problem(path, `read into an empty buffer returned ${r}`);
      const last = report.guard("read across EOF", () => f.read(tail, size - 1), path);
      if (last !== undefined && last !== 1) report.problem(path, `read of 8 bytes at size-1 returned ${last}, want 1`);
    }
}

export function readFull(f: Pick<LayerFile, "read">, into: Uint8Array, position: number): number {
  let got = 0;
  while (got < into.length) {
    const n = f.read(into.subarray(got), position + got);
    if (n <= 0) break;
    got += n;
  }
  return got;
}

/** Index of the first differing byte (the shorter length if one is a prefix), -1 if equal. */
export function firstDiff(a: Uint8Array, b: Uint8Array): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) if (a[i] !== b[i]) return i;
  return a.length === b.length ? -1 : n;
}

/** `n` deterministic pseudo-random bytes (an LCG from `seed`). */
export function pattern(n: number, seed: number): Uint8Array {
  const out = new Uint8Array(n);
  let x = seed * 2654435761 >>> 0;
  for (let i = 0; i < n; i++) {
    x = (x * 1103515245 + 12345) >>> 0;
    out[i] = x >>> 24;
  }
  return out;
}

const encoder = new TextEncoder();
export function bytes(s: string): Uint8Array {
  return encoder.encode(s);
}
export function utf8Length(s: string): number {
  return encoder.encode(s).length;
}
