/**
 * Issue 10 (sandboxes): Union.fork() of an upper holding 10,000 changed files,
 * Union.reset(), and the heap of 10,000 live sandboxes that each wrote one
 * 4 KiB file over a 100 MiB image (with a quota, as a serverless host runs them).
 */
import { Image, MemoryLayer, Union } from "../../src/mod.ts";
import type { MemorySpec } from "../../src/mod.ts";
import type { Config } from "../lib/config.ts";
import { add, header } from "../lib/report.ts";
import { gc, median, MiB, nowMs, retainedBytes } from "../lib/stats.ts";

export function sandboxes(cfg: Config): void {
  header("Issue 10: sandboxes (fork, reset, quotas)");
  const image = baseImage(cfg);
  forkAndReset(cfg, image);
  liveSandboxes(cfg, image);
}

/** The shared image: `sandboxImageMiB` MiB in 1 MiB files (real bytes), plus /etc and /tmp. */
function baseImage(cfg: Config): Image {
  const spec: MemorySpec = { "etc/hostname": "box\n", tmp: { dir: true } };
  for (let i = 0; i < cfg.sandboxImageMiB; i++) {
    const b = new Uint8Array(MiB);
    for (let j = 0; j < MiB; j += 4096) b[j] = (i + j) & 0xff;
    spec[`usr/lib/blob${i}.bin`] = b;
  }
  const image = new Image([MemoryLayer.from(spec, { timeNs: 0n })]);
  image.rootEntry();
  return image;
}

/** Sandboxes forked (and reset) per timed run. */
const PER_RUN = 4;

function forkAndReset(cfg: Config, image: Image): void {
  const n = cfg.sandboxFiles;
  const forks: number[] = [];
  const resets: number[] = [];
  const coldForks: number[] = [];
  const copies: number[] = [];
  const creates: number[] = [];
  // Steady state of a host that forks and resets all the time: the code is warm, and the
  // garbage of building the 10,000-file upper is collected before the timed call.
  const warm = (): void => {
    for (let i = 0; i < 200; i++) {
      const w = new Union(image, new MemoryLayer(), { quota: { bytes: 1 << 30, inodes: 1 << 20 } });
      w.writeFile("/tmp/w", "x");
      w.fork().writeFile("/tmp/w", "y");
      w.reset();
    }
  };
  for (let run = 0; run <= cfg.runs; run++) {
    // Cold: the first fork right after building the upper (includes collecting that garbage).
    const cold = prepared(image, n);
    let t0 = nowMs();
    cold.fork();
    const coldFork = nowMs() - t0;

    // Several sandboxes per run, each forked or reset once: more samples for the median.
    const as = Array.from({ length: PER_RUN }, () => prepared(image, n));
    const bs = Array.from({ length: PER_RUN }, () => prepared(image, n));
    gc();
    warm();
    const fork: number[] = [];
    const reset: number[] = [];
    for (let i = 0; i < PER_RUN; i++) {
      t0 = nowMs();
      const child = as[i]!.fork();
      fork.push(nowMs() - t0);
      t0 = nowMs();
      bs[i]!.reset();
      reset.push(nowMs() - t0);
      if (child.readFile(`/tmp/d1/f${n - 99}`, "utf8") !== "x") throw new Error("fork bench: child lost a file");
      if (bs[i]!.exists("/tmp/d0")) throw new Error("reset bench: a change survived");
    }

    // Peer: a fork by copying (what a snapshot costs without a frozen layer): walk the upper and rebuild it.
    const c = prepared(image, n).upper as MemoryLayer;
    t0 = nowMs();
    const copy = copyLayer(c);
    const copied = nowMs() - t0;
    if (copy.readdir("tmp").length !== 100) throw new Error("copy peer: wrong tree");

    t0 = nowMs();
    for (let i = 0; i < 100; i++) new Union(image, new MemoryLayer());
    const create = (nowMs() - t0) / 100;
    if (run === 0) continue; // warm-up
    forks.push(...fork.map((ms) => ms * 1000));
    resets.push(...reset.map((ms) => ms * 1000));
    coldForks.push(coldFork * 1000);
    copies.push(copied * 1000);
    creates.push(create * 1000);
  }
  const fork = median(forks);
  const reset = median(resets);
  const copy = median(copies);
  const create = median(creates);
  add({
    id: "10a", what: `fork() of a sandbox whose upper holds ${n} changed files (warm)`, value: fork, unit: "µs",
    peer: { name: "copy of the upper", value: copy, unit: "µs" }, ratio: fork / copy, target: "≤ 20 µs", pass: fork <= 20, samples: forks,
  });
  add({
    id: "10a", what: "  the same, cold: first fork right after building the upper", value: median(coldForks), unit: "µs",
    note: "info: includes JIT warm-up and a young-generation GC of the just-built upper", samples: coldForks,
  });
  add({
    id: "10b", what: `reset() of a sandbox whose upper holds ${n} changed files (warm)`, value: reset, unit: "µs",
    peer: { name: "new Union()", value: create, unit: "µs" }, ratio: reset / create, target: "≤ 5 µs", pass: reset <= 5, samples: resets,
  });
}

/** A sandbox whose upper holds `n` changed files in 100 new directories under the image's /tmp. */
function prepared(image: Image, n: number): Union {
  const u = new Union(image, new MemoryLayer(), { quota: { bytes: 1 << 30, inodes: 1 << 20 } });
  for (let d = 0; d < 100; d++) u.mkdir(`/tmp/d${d}`);
  for (let i = 0; i < n; i++) u.writeFile(`/tmp/d${i % 100}/f${i}`, "x");
  return u;
}

/** A deep copy of a memory layer's tree (files by content reference), the peer of fork(). */
function copyLayer(from: MemoryLayer): MemoryLayer {
  const to = new MemoryLayer();
  const walk = (dir: string): void => {
    for (const name of from.readdir(dir)) {
      const p = dir === "" ? name : `${dir}/${name}`;
      const st = from.stat(p)!;
      const attr = { mode: st.mode, uid: st.uid, gid: st.gid, atimeNs: st.atimeNs, mtimeNs: st.mtimeNs };
      if (st.type === "dir") {
        to.mkdir(p, attr);
        walk(p);
      } else if (st.type === "symlink") to.symlink(p, from.readlink(p), attr);
      else {
        const f = from.open(p);
        try {
          to.createFileFrom(p, f, attr);
        } finally {
          f.close();
        }
      }
    }
  };
  walk("");
  return to;
}

/** 10,000 sandboxes alive at once, each having written one 4 KiB file (its own upper, a quota). */
function liveSandboxes(cfg: Config, image: Image): void {
  const n = cfg.sandboxes;
  const data = new Uint8Array(4096).fill(0x61);
  const heaps: number[] = [];
  for (let run = 0; run <= Math.min(cfg.runs, 3); run++) {
    const before = retainedBytes();
    const alive: Union[] = new Array(n);
    for (let i = 0; i < n; i++) {
      const u = new Union(image, new MemoryLayer(), { quota: { bytes: 64 * MiB, inodes: 10_000 } });
      u.writeFile("/tmp/out", data);
      alive[i] = u;
    }
    const after = retainedBytes();
    if (alive[n - 1]!.stat("/tmp/out").size !== 4096) throw new Error("sandbox bench: lost the write");
    alive.length = 0; // gone before the next round's baseline
    if (run > 0) heaps.push((after - before) / n);
  }
  const per = median(heaps);
  add({
    id: "10c", what: `heap per live sandbox: ${n} sandboxes, one 4 KiB file each, ${cfg.sandboxImageMiB} MiB image`, value: per / 1024, unit: "KiB/sandbox",
    peer: { name: "the file's data", value: 4, unit: "KiB" }, ratio: per / 4096, target: "≤ 16 KiB", pass: per <= 16 * 1024, samples: heaps,
  });
}
