/**
 * poll_oneoff, shared by layerfs's dispatcher and the browser_wasi_shim
 * adapter: any mix of clock and fd subscriptions, fd readiness from the
 * caller (its own fd table), nevents written, and the wait done with
 * clocks.ts's sleepNs (Atomics.wait where the runtime allows; a browser main
 * thread can only spin, capped).
 */
import { Errno, FsError } from "../core/errno.ts";
import { EVENT_SIZE, EVENTTYPE, readSubscription, SUBCLOCKFLAGS, SUBSCRIPTION_SIZE, writeEvent } from "./abi.ts";
import type { Event } from "./abi.ts";
import { clockNow, sleepNs } from "./clocks.ts";

/** Readiness of one fd subscription: an errno, and for FD_READ the bytes a read would return now. */
export interface FdReadiness {
  error: number;
  nbytes: bigint;
}

/**
 * poll_oneoff over guest memory `view`: `fdReady(fd, type)` answers each
 * fd_read / fd_write subscription. Validates all three regions (RangeError
 * -> EFAULT) before waiting or writing anything.
 */
export function pollOneoff(
  view: DataView, inPtr: number, outPtr: number, nsubs: number, neventsPtr: number,
  fdReady: (fd: number, type: number) => FdReadiness,
): number {
  const n = nsubs >>> 0;
  if (n === 0) throw new FsError(Errno.INVAL);
  new Uint8Array(view.buffer, view.byteOffset + (inPtr >>> 0), n * SUBSCRIPTION_SIZE);
  new Uint8Array(view.buffer, view.byteOffset + (outPtr >>> 0), n * EVENT_SIZE);
  view.getUint32(neventsPtr >>> 0, true);

  const ready: Event[] = [];
  const clocks: { userdata: bigint; deadline: bigint }[] = [];
  const monoNow = clockNow(1);
  for (let i = 0; i < n; i++) {
    const sub = readSubscription(view, (inPtr >>> 0) + i * SUBSCRIPTION_SIZE);
    if (sub.tag === EVENTTYPE.CLOCK && "clockId" in sub) {
      let now: bigint;
      try {
        now = sub.clockId === 1 ? monoNow : clockNow(sub.clockId);
      } catch {
        ready.push({ userdata: sub.userdata, error: Errno.INVAL, type: EVENTTYPE.CLOCK, nbytes: 0n, flags: 0 });
        continue;
      }
      // Convert to a monotonic deadline; an absolute timeout counts in its own clock.
      const wait = sub.flags & SUBCLOCKFLAGS.ABSTIME ? sub.timeout - now : sub.timeout;
      clocks.push({ userdata: sub.userdata, deadline: monoNow + (wait > 0n ? wait : 0n) });
    } else if ("fd" in sub) {
      const { error, nbytes } = fdReady(sub.fd, sub.tag);
      ready.push({ userdata: sub.userdata, error, type: sub.tag, nbytes, flags: 0 });
    } else {
      ready.push({ userdata: sub.userdata, error: Errno.INVAL, type: sub.tag & 0xff, nbytes: 0n, flags: 0 });
    }
  }
  if (ready.length === 0 && clocks.length > 0) {
    const first = clocks.reduce((m, c) => (c.deadline < m ? c.deadline : m), clocks[0]!.deadline);
    sleepNs(first - clockNow(1));
  }
  const now = clockNow(1);
  for (const c of clocks) {
    if (c.deadline <= now) ready.push({ userdata: c.userdata, error: 0, type: EVENTTYPE.CLOCK, nbytes: 0n, flags: 0 });
  }
  if (ready.length === 0 && clocks.length > 0) {
    // Woke early (busy-wait cap): report the earliest clock as fired rather than returning nothing.
    const first = clocks.reduce((m, c) => (c.deadline < m.deadline ? c : m), clocks[0]!);
    ready.push({ userdata: first.userdata, error: 0, type: EVENTTYPE.CLOCK, nbytes: 0n, flags: 0 });
  }
  ready.forEach((e, i) => writeEvent(view, (outPtr >>> 0) + i * EVENT_SIZE, e));
  view.setUint32(neventsPtr >>> 0, ready.length, true);
  return Errno.SUCCESS;
}
