// args, environ, clocks, random, poll_oneoff, proc_*, sched_yield, sock_* and the
// "never throws into the guest" guarantee, called directly (see harness.ts).
import { describe, expect, it } from "vitest";
import { Errno } from "../../src/core/errno.ts";
import {
  CLOCKID, EVENT_SIZE, EVENTTYPE, PREVIEW1_FUNCTIONS, SUBSCRIPTION_SIZE, readEvent, writeSubscriptionClock,
  writeSubscriptionFd,
} from "../../src/wasi/abi.ts";
import { WasiExit } from "../../src/wasi/calls/process.ts";
import { R_READ, ROOT, harness } from "./harness.ts";

const E = Errno;

describe("args and environ", () => {
  it("args_sizes_get and args_get give argv with NUL terminators, UTF-8 encoded", () => {
    const h = harness();
    const sizes = h.alloc(8);
    expect(h.sys.args_sizes_get!(sizes, sizes + 4)).toBe(0);
    expect(h.u32(sizes)).toBe(3);
    const total = h.u32(sizes + 4);
    expect(total).toBe("prog\0arg one\0ü\0".length + 1); // ü is 2 bytes
    const ptrs = h.alloc(12), buf = h.alloc(total);
    expect(h.sys.args_get!(ptrs, buf)).toBe(0);
    expect(h.u32(ptrs)).toBe(buf);
    expect(h.text(h.u32(ptrs + 4), 7)).toBe("arg one");
    expect(h.text(h.u32(ptrs + 8), 2)).toBe("ü");
    expect(h.read(buf, total)[total - 1]).toBe(0);
  });

  it("environ carries the given variables plus PWD", () => {
    const h = harness({ cwd: "/data" });
    const sizes = h.alloc(8);
    h.sys.environ_sizes_get!(sizes, sizes + 4);
    const n = h.u32(sizes), total = h.u32(sizes + 4);
    const ptrs = h.alloc(4 * n), buf = h.alloc(total);
    expect(h.sys.environ_get!(ptrs, buf)).toBe(0);
    expect(h.text(buf, total).split("\0").filter(Boolean).sort()).toEqual(["HOME=/root", "PWD=/data"]);
  });

  it("out-of-bounds buffers are EFAULT", () => {
    const h = harness();
    expect(h.sys.args_get!(h.alloc(12), 0xfffffff0)).toBe(E.FAULT);
    expect(h.sys.environ_sizes_get!(0xfffffffe, h.alloc(4))).toBe(E.FAULT);
  });
});

describe("clocks", () => {
  it("realtime is close to Date.now and monotonic never goes backwards", () => {
    const h = harness();
    const p = h.alloc(8);
    expect(h.sys.clock_time_get!(CLOCKID.REALTIME, 1n, p)).toBe(0);
    const ms = Number(h.u64(p) / 1_000_000n);
    expect(Math.abs(ms - Date.now())).toBeLessThan(2000);
    let last = 0n;
    for (let i = 0; i < 100; i++) {
      h.sys.clock_time_get!(CLOCKID.MONOTONIC, 1n, p);
      expect(h.u64(p) >= last).toBe(true);
      last = h.u64(p);
    }
    expect(h.sys.clock_time_get!(CLOCKID.PROCESS_CPUTIME_ID, 1n, p)).toBe(0);
    expect(h.sys.clock_time_get!(CLOCKID.THREAD_CPUTIME_ID, 1n, p)).toBe(0);
  });

  it("resolution is reported for every clock; unknown clocks are EINVAL", () => {
    const h = harness();
    const p = h.alloc(8);
    for (const id of [0, 1, 2, 3]) {
      expect(h.sys.clock_res_get!(id, p)).toBe(0);
      expect(h.u64(p) > 0n).toBe(true);
    }
    expect(h.sys.clock_res_get!(4, p)).toBe(E.INVAL);
    expect(h.sys.clock_time_get!(9, 0n, p)).toBe(E.INVAL);
    expect(h.sys.clock_time_get!(0, 0n, 0xfffffffc)).toBe(E.FAULT);
  });
});

describe("random_get", () => {
  it("fills large buffers (more than one 64 KiB piece)", () => {
    const h = harness();
    const len = 70000;
    const p = h.alloc(len);
    expect(h.sys.random_get!(p, len)).toBe(0);
    const bytes = h.read(p, len);
    expect(bytes.subarray(66000).some((b) => b !== 0)).toBe(true);
    expect(new Set(bytes.subarray(0, 1000)).size).toBeGreaterThan(100);
    expect(h.sys.random_get!(0xffffff00, 1000)).toBe(E.FAULT);
  });
});

describe("poll_oneoff", () => {
  it("a relative clock subscription really waits", () => {
    const h = harness();
    const subs = h.alloc(SUBSCRIPTION_SIZE), evs = h.alloc(EVENT_SIZE), n = h.alloc(4);
    writeSubscriptionClock(h.view(), subs, 7n, CLOCKID.MONOTONIC, 30_000_000n);
    const t0 = performance.now();
    expect(h.sys.poll_oneoff!(subs, evs, 1, n)).toBe(0);
    expect(performance.now() - t0).toBeGreaterThanOrEqual(25);
    expect(h.u32(n)).toBe(1);
    expect(readEvent(h.view(), evs)).toMatchObject({ userdata: 7n, error: 0, type: EVENTTYPE.CLOCK });
  });

  it("an absolute realtime deadline in the past fires at once", () => {
    const h = harness();
    const subs = h.alloc(SUBSCRIPTION_SIZE), evs = h.alloc(EVENT_SIZE), n = h.alloc(4);
    writeSubscriptionClock(h.view(), subs, 1n, CLOCKID.REALTIME, 1n, 1);
    const t0 = performance.now();
    expect(h.sys.poll_oneoff!(subs, evs, 1, n)).toBe(0);
    expect(performance.now() - t0).toBeLessThan(500);
    expect(h.u32(n)).toBe(1);
  });

  it("files and stdio are ready at once, before a long clock", () => {
    const h = harness({ stdin: "abc" });
    const [, fd] = h.open("data/b.txt", { rights: R_READ | (1n << 27n) });
    const subs = h.alloc(4 * SUBSCRIPTION_SIZE), evs = h.alloc(4 * EVENT_SIZE), n = h.alloc(4);
    writeSubscriptionClock(h.view(), subs, 1n, CLOCKID.MONOTONIC, 60_000_000_000n);
    writeSubscriptionFd(h.view(), subs + SUBSCRIPTION_SIZE, 2n, 1, 0);
    writeSubscriptionFd(h.view(), subs + 2 * SUBSCRIPTION_SIZE, 3n, 2, 1);
    writeSubscriptionFd(h.view(), subs + 3 * SUBSCRIPTION_SIZE, 4n, 1, fd);
    expect(h.sys.poll_oneoff!(subs, evs, 4, n)).toBe(0);
    expect(h.u32(n)).toBe(3);
    const got = [0, 1, 2].map((i) => readEvent(h.view(), evs + i * EVENT_SIZE));
    expect(got.map((e) => [e.userdata, e.error, e.type])).toEqual([[2n, 0, 1], [3n, 0, 2], [4n, 0, 1]]);
    expect(got[0]!.nbytes).toBe(3n); // stdin bytes available
    expect(got[2]!.nbytes).toBe(8n); // file bytes left
  });

  it("bad fds give an EBADF event; no subscriptions is EINVAL; bad pointers EFAULT", () => {
    const h = harness();
    const subs = h.alloc(SUBSCRIPTION_SIZE), evs = h.alloc(EVENT_SIZE), n = h.alloc(4);
    writeSubscriptionFd(h.view(), subs, 9n, 1, 77);
    expect(h.sys.poll_oneoff!(subs, evs, 1, n)).toBe(0);
    expect(readEvent(h.view(), evs)).toMatchObject({ userdata: 9n, error: E.BADF });
    expect(h.sys.poll_oneoff!(subs, evs, 0, n)).toBe(E.INVAL);
    expect(h.sys.poll_oneoff!(0xffffff00, evs, 1, n)).toBe(E.FAULT);
    expect(h.sys.poll_oneoff!(subs, evs, 1000000, n)).toBe(E.FAULT);
  });
});

describe("process and scheduling", () => {
  it("proc_exit throws WasiExit with the code (the only import that throws)", () => {
    const h = harness();
    expect(() => h.sys.proc_exit!(3)).toThrow(WasiExit);
    try { h.sys.proc_exit!(42); } catch (e) { expect((e as WasiExit).code).toBe(42); }
  });

  it("sched_yield succeeds and proc_raise is ENOSYS", () => {
    const h = harness();
    expect(h.sys.sched_yield!()).toBe(0);
    expect(h.sys.proc_raise!(6)).toBe(E.NOSYS);
  });
});

describe("sockets", () => {
  it("sock_* are EBADF on a bad fd and ENOTSOCK on files, directories and stdio", () => {
    const h = harness();
    const [, fd] = h.open("data/a.txt", { rights: R_READ });
    const p = h.alloc(16);
    expect(h.sys.sock_shutdown!(99, 2)).toBe(E.BADF);
    expect(h.sys.sock_accept!(99, 0, p)).toBe(E.BADF);
    expect(h.sys.sock_recv!(99, p, 0, 0, p, p + 4)).toBe(E.BADF);
    expect(h.sys.sock_send!(99, p, 0, 0, p)).toBe(E.BADF);
    for (const f of [fd, ROOT, 0, 1]) {
      expect(h.sys.sock_shutdown!(f, 2)).toBe(E.NOTSOCK);
      expect(h.sys.sock_accept!(f, 0, p)).toBe(E.NOTSOCK);
      expect(h.sys.sock_recv!(f, p, 0, 0, p, p + 4)).toBe(E.NOTSOCK);
      expect(h.sys.sock_send!(f, p, 0, 0, p)).toBe(E.NOTSOCK);
    }
  });
});

describe("robustness", () => {
  it("exports exactly the 46 preview1 functions", () => {
    const h = harness();
    expect(Object.keys(h.sys).sort()).toEqual([...PREVIEW1_FUNCTIONS].sort());
  });

  it("no import throws for hostile arguments (random pointers, fds, flags); all return an errno", () => {
    const h = harness();
    h.open("data/a.txt", { rights: R_READ });
    let seed = 12345;
    const rnd = () => (seed = (seed * 1103515245 + 12345) >>> 0);
    const pick = (): number | bigint => {
      const r = rnd() % 6;
      return r === 0 ? 0 : r === 1 ? rnd() | 0 : r === 2 ? rnd() % 8 : r === 3 ? 0xffffffff | 0 : r === 4 ? 1024 + (rnd() % 4096) : -1;
    };
    const i64Params: Record<string, number[]> = {
      clock_time_get: [1], fd_advise: [1, 2], fd_allocate: [1, 2], fd_fdstat_set_rights: [1, 2],
      fd_filestat_set_size: [1], fd_filestat_set_times: [1, 2], fd_pread: [3], fd_pwrite: [3], fd_readdir: [3],
      fd_seek: [1], path_filestat_set_times: [4, 5], path_open: [5, 6],
    };
    let calls = 0;
    for (const name of PREVIEW1_FUNCTIONS) {
      if (name === "proc_exit" || name === "poll_oneoff") continue;
      const fn = h.sys[name]!;
      for (let k = 0; k < 200; k++) {
        const args = Array.from({ length: 9 }, (_, i) => {
          const v = pick();
          return i64Params[name]?.includes(i) ? BigInt.asIntN(64, BigInt(v)) * 7919n : v;
        });
        const r = fn(...args);
        expect(Number.isInteger(r) && r >= 0 && r <= 76).toBe(true);
        calls++;
      }
    }
    expect(calls).toBeGreaterThan(8000);
  });

  it("views are refreshed after memory.grow", () => {
    const h = harness();
    const before = h.memory.buffer;
    expect(h.sys.clock_time_get!(0, 0n, h.alloc(8))).toBe(0); // the old buffer is the one held now
    h.memory.grow(1);
    expect(h.memory.buffer).not.toBe(before);
    const far = 2 * 65536 + 100; // only valid after the grow
    const p = h.alloc(8);
    expect(h.sys.clock_time_get!(0, 0n, far)).toBe(0);
    expect(new DataView(h.memory.buffer).getBigUint64(far, true) > 0n).toBe(true);
    expect(h.sys.clock_time_get!(0, 0n, p)).toBe(0);
  });

  // A shared memory's old buffer is not detached by a grow: it stays valid, only shorter.
  it("views are refreshed after a shared memory grows", () => {
    const h = harness();
    const shared = new WebAssembly.Memory({ initial: 2, maximum: 4, shared: true });
    h.host.dispatcher.setMemory(shared);
    expect(shared.buffer).toBeInstanceOf(SharedArrayBuffer);
    expect(h.sys.clock_time_get!(0, 0n, 64)).toBe(0);
    shared.grow(1);
    const far = 2 * 65536 + 100; // only valid after the grow
    expect(h.sys.clock_time_get!(0, 0n, far)).toBe(0);
    expect(new DataView(shared.buffer).getBigUint64(far, true) > 0n).toBe(true);
  });
});
