/**
 * Clocks and sleeping for clock_* and poll_oneoff. Portable: realtime from
 * Date.now (+ sub-ms from performance.now), monotonic from performance.now,
 * CPU time from process.cpuUsage where a Node-like runtime offers it
 * (js-runtime.ts).
 */
import { Errno, FsError } from "../core/errno.ts";
import { nowNs } from "../core/layer.ts";
import { CLOCKID } from "./abi.ts";
import { processCpuMicros } from "./js-runtime.ts";

const perf: { now(): number } = typeof performance !== "undefined" ? performance : { now: () => Date.now() };
const origin = perf.now();

function monotonicNs(): bigint {
  // Microsecond granularity is all performance.now promises; keep it integral.
  return BigInt(Math.round((perf.now() - origin) * 1000)) * 1000n + 1n;
}

function cpuNs(): bigint {
  const us = processCpuMicros();
  return us !== undefined ? BigInt(us) * 1000n : monotonicNs();
}

export function clockNow(id: number): bigint {
  switch (id) {
    case CLOCKID.REALTIME: return nowNs();
    case CLOCKID.MONOTONIC: return monotonicNs();
    case CLOCKID.PROCESS_CPUTIME_ID:
    case CLOCKID.THREAD_CPUTIME_ID: return cpuNs();
    default: throw new FsError(Errno.INVAL, "clock_time_get");
  }
}

export function clockResolution(id: number): bigint {
  switch (id) {
    case CLOCKID.REALTIME:
    case CLOCKID.MONOTONIC:
    case CLOCKID.PROCESS_CPUTIME_ID:
    case CLOCKID.THREAD_CPUTIME_ID: return 1000n;
    default: throw new FsError(Errno.INVAL, "clock_res_get");
  }
}

/** Longest a browser main thread (no Atomics.wait) spins for one sleep. */
const MAX_BUSY_WAIT_MS = 1000;

let waitCell: Int32Array | null | undefined;

function atomicsCell(): Int32Array | null {
  if (waitCell !== undefined) return waitCell;
  try {
    const cell = new Int32Array(new SharedArrayBuffer(4));
    Atomics.wait(cell, 0, 0, 0); // throws on a browser main thread
    waitCell = cell;
  } catch {
    waitCell = null;
  }
  return waitCell;
}

/**
 * Block the thread for `ns` nanoseconds: Atomics.wait where allowed (Node,
 * Deno, workers), else a busy-wait capped at MAX_BUSY_WAIT_MS.
 */
export function sleepNs(ns: bigint): void {
  if (ns <= 0n) return;
  const ms = Number(ns) / 1e6;
  const cell = atomicsCell();
  if (cell) {
    const deadline = perf.now() + ms;
    // Atomics.wait may wake early; loop until the deadline.
    for (let left = ms; left > 0; left = deadline - perf.now()) Atomics.wait(cell, 0, 0, left);
    return;
  }
  const end = perf.now() + Math.min(ms, MAX_BUSY_WAIT_MS);
  while (perf.now() < end) { /* bounded busy-wait: no other way to block a browser main thread */ }
}
