/** Small measuring helpers. */

export function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 === 1 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

const gcFn = (globalThis as { gc?: () => void }).gc;

/** Full collection (needs node --expose-gc; `npm run bench` passes it). */
export function gc(): void {
  if (gcFn === undefined) throw new Error("run with node --expose-gc (npm run bench does)");
  gcFn();
  gcFn();
}

/** heapUsed + arrayBuffers after a full collection: what a structure retains. */
export function retainedBytes(): number {
  gc();
  const m = process.memoryUsage();
  return m.heapUsed + m.arrayBuffers;
}

export function nowMs(): number {
  return performance.now();
}

export const MiB = 1024 * 1024;
