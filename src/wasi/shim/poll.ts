/**
 * poll_oneoff for a browser_wasi_shim WASI instance: layerfs's own
 * (../poll.ts) over the shim's fd list. 0.4.2's accepts one clock
 * subscription only (NOTSUP for fds or for more than one), never writes the
 * event count, and spins the CPU for the whole wait.
 */
import type { Fd } from "@bjorn3/browser_wasi_shim";
import { Errno } from "../../core/errno.ts";
import { EVENTTYPE } from "../abi.ts";
import { pollOneoff as poll } from "../poll.ts";
import type { FdReadiness } from "../poll.ts";

/** Fds that know how many bytes a read would return now (layerfs's own do). */
interface Readable {
  readableBytes(): bigint;
}

function readable(fd: Fd): bigint {
  const r = fd as Partial<Readable>;
  return typeof r.readableBytes === "function" ? r.readableBytes() : 0n;
}

/** Any open fd is ready (EBADF for a closed one); FD_READ reports readableBytes() where the Fd has it. */
function readiness(fd: Fd | undefined, type: number): FdReadiness {
  if (fd === undefined) return { error: Errno.BADF, nbytes: 0n };
  return { error: 0, nbytes: type === EVENTTYPE.FD_READ ? readable(fd) : 0n };
}

export function pollOneoff(
  view: DataView, fds: readonly (Fd | undefined)[], inPtr: number, outPtr: number, nsubs: number, neventsPtr: number,
): number {
  return poll(view, inPtr, outPtr, nsubs, neventsPtr, (fd, type) => readiness(fds[fd], type));
}
