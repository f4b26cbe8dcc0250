/**
 * poll_oneoff for a browser_wasi_shim WASI instance. 0.4.2's own accepts one
 * clock subscription only (NOTSUP for fds or for more than one), never writes
 * the event count, and spins the CPU for the whole wait. This one takes any
 * mix of clock and fd subscriptions, reports fd readiness (EBADF for a closed
 * fd), writes nevents, and sleeps with Atomics.wait where the runtime allows
 * (layerfs's clocks.ts; a browser main thread can only spin, capped).
 */
import type { Fd } from "@bjorn3/browser_wasi_shim";
import { Errno, FsError } from "../../core/errno.ts";
import { EVENT_SIZE, EVENTTYPE, readSubscription, SUBCLOCKFLAGS, SUBSCRIPTION_SIZE, writeEvent } from "../abi.ts";
import type { Event } from "../abi.ts";
import { clockNow, sleepNs } from "../clocks.ts";

/** Fds that know how many bytes a read would return now (layerfs's own do). */
interface Readable {
  readableBytes(): bigint;
}

function readable(fd: Fd): bigint {
  const r = fd as Partial<Readable>;
  return typeof r.readableBytes === "function" ? r.readableBytes() : 0n;
}

export function pollOneoff(
  memory: ArrayBuffer, fds: readonly (Fd | undefined)[], inPtr: number, outPtr: number, nsubs: number, neventsPtr: number,
): number {
  const n = nsubs >>> 0;
  if (n === 0) throw new FsError(Errno.INVAL);
  const view = new DataView(memory);
  // Validate the regions before waiting or writing anything (RangeError -> EFAULT).
  new Uint8Array(memory, inPtr >>> 0, n * SUBSCRIPTION_SIZE);
  new Uint8Array(memory, outPtr >>> 0, n * EVENT_SIZE);
  view.getUint32(neventsPtr >>> 0, true);

  const ready: Event[] = [];
  const clocks: { userdata: bigint; deadline: bigint }[] = [];
  const monoNow = clockNow(1);
  for (let i = 0; i < n; i++) {
    const sub = readSubscription(view, (inPtr >>> 0) + i * SUBSCRIPTION_SIZE);
    const ev = (error: number, nbytes = 0n): Event => ({ userdata: sub.userdata, error, type: sub.tag & 0xff, nbytes, flags: 0 });
    if (sub.tag === EVENTTYPE.CLOCK && "clockId" in sub) {
      let now: bigint;
      try {
        now = sub.clockId === 1 ? monoNow : clockNow(sub.clockId);
      } catch {
        ready.push(ev(Errno.INVAL));
        continue;
      }
      // An absolute timeout counts in its own clock; convert to a monotonic deadline.
      const wait = sub.flags & SUBCLOCKFLAGS.ABSTIME ? sub.timeout - now : sub.timeout;
      clocks.push({ userdata: sub.userdata, deadline: monoNow + (wait > 0n ? wait : 0n) });
    } else if ("fd" in sub) {
      const fd = fds[sub.fd];
      if (fd === undefined) ready.push(ev(Errno.BADF));
      else ready.push(ev(0, sub.tag === EVENTTYPE.FD_READ ? readable(fd) : 0n));
    } else {
      ready.push(ev(Errno.INVAL));
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
    // Woke early (busy-wait cap on a browser main thread): report the earliest clock as fired.
    const first = clocks.reduce((m, c) => (c.deadline < m.deadline ? c : m), clocks[0]!);
    ready.push({ userdata: first.userdata, error: 0, type: EVENTTYPE.CLOCK, nbytes: 0n, flags: 0 });
  }
  ready.forEach((e, i) => writeEvent(view, (outPtr >>> 0) + i * EVENT_SIZE, e));
  view.setUint32(neventsPtr >>> 0, ready.length, true);
  return Errno.SUCCESS;
}
