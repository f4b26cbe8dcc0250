#!/usr/bin/env node
// Materialises test/wasm/fixture.ts's lower layers as aufs/OCI-form directories
// (`.wh.NAME` empty files, `.wh..wh..opq` markers, real symlinks and hard links,
// modes and the fixture mtime), for the kernel oracle (test/oracle/overlay-oracle.py).
// Node-only. Needs tsx to load the .ts fixture:
//   npx tsx test/wasm/fixture-to-dirs.mjs OUTDIR
// Writes OUTDIR/L0 (bottom), OUTDIR/L1, ... and prints "OUTDIR/L1:OUTDIR/L0"
// (top first, the order the oracle takes). OUTDIR must not exist or be empty.
import { mkdirSync, writeFileSync, symlinkSync, linkSync, chmodSync, lutimesSync, readdirSync, existsSync } from "node:fs";
import { join, dirname, resolve } from "node:path";
import { lowerLayers, fixtureTimeNs } from "./fixture.ts";

export function writeLayerDir(spec, dir, timeNs = fixtureTimeNs) {
  mkdirSync(dir, { recursive: true });
  const links = [];
  const dirs = new Set([dir]);
  const ensureParent = (p) => {
    const d = dirname(p);
    if (!dirs.has(d)) {
      mkdirSync(d, { recursive: true, mode: 0o755 });
      for (let x = d; x.length > dir.length; x = dirname(x)) dirs.add(x);
    }
  };
  const modes = [];
  for (const [rawKey, value] of Object.entries(spec)) {
    const key = rawKey.replace(/^\/+/, "");
    const path = join(dir, key);
    const isDir = key.endsWith("/") || (typeof value === "object" && !(value instanceof Uint8Array) &&
      (Object.keys(value).length === 0 || value.dir === true));
    if (isDir) {
      mkdirSync(path, { recursive: true, mode: 0o755 });
      dirs.add(path.replace(/\/+$/, ""));
      if (value.mode !== undefined) modes.push([path, value.mode]);
      continue;
    }
    ensureParent(path);
    if (typeof value === "string" || value instanceof Uint8Array) writeFileSync(path, value, { mode: 0o644 });
    else if ("file" in value) {
      writeFileSync(path, value.file, { mode: 0o644 });
      if (value.mode !== undefined) modes.push([path, value.mode]);
    } else if ("symlink" in value) symlinkSync(value.symlink, path);
    else if ("link" in value) links.push([join(dir, value.link), path]);
    else throw new Error(`fixture-to-dirs: unsupported spec entry ${rawKey}`);
  }
  for (const [from, to] of links) {
    ensureParent(to);
    linkSync(from, to);
  }
  for (const [p, m] of modes) chmodSync(p, m);
  // Times last, deepest paths first, so creating children does not bump a parent's mtime.
  const t = Number(timeNs / 1_000_000n) / 1000;
  const all = [];
  const walk = (d) => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      const p = join(d, e.name);
      all.push(p);
      if (e.isDirectory()) walk(p);
    }
  };
  walk(dir);
  all.sort((a, b) => b.length - a.length);
  for (const p of [...all, dir]) lutimesSync(p, t, t);
}

const isMain = process.argv[1] && resolve(process.argv[1]) === resolve(new URL(import.meta.url).pathname);
if (isMain) {
  const out = process.argv[2];
  if (!out) {
    console.error("usage: npx tsx test/wasm/fixture-to-dirs.mjs OUTDIR");
    process.exit(2);
  }
  if (existsSync(out) && readdirSync(out).length) {
    console.error(`fixture-to-dirs: ${out} is not empty`);
    process.exit(2);
  }
  const dirsOut = lowerLayers.map((spec, i) => {
    const d = resolve(out, `L${i}`);
    writeLayerDir(spec, d);
    return d;
  });
  console.log([...dirsOut].reverse().join(":"));
}
