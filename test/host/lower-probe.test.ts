// Host lowers (DirLayer, read-only): a name in a directory not listed yet is probed with
// lstat (layers/dir/lower-index.ts), and the union probes each layer for one name
// (core/lower-index.ts). Random stacks written to disk (whiteouts, opaque directories,
// type changes between layers, hard links) must give the same lower view whether it
// was probed or every directory was listed first. Runs in Node and Deno (the runtime's
// own HostFs; node:fs only writes the trees). Runs: LAYERFS_PROBE_HOST_RUNS (default 25).
import * as fs from "node:fs";
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Image } from "../../src/core/image.ts";
import type { LowerEntry } from "../../src/core/lower-index.ts";
import { Union } from "../../src/core/union.ts";
import { DirLayer } from "../../src/layers/dir/mod.ts";
import type { MemorySpec } from "../../src/layers/memory.ts";
import { MemoryLayer } from "../../src/layers/memory.ts";
import { draws } from "../support/draw.ts";
import { env } from "../support/index.ts";
import { foundEntry, probePaths, randLayer } from "../core/random-layer.ts";
import { diffTrees, snapshotUnion } from "../core/tree.ts";
import { cleanup, listingHost, probingHost, tempDir } from "./helpers.ts";
import type { HostFs } from "../../src/layers/dir/mod.ts";
import type { EntryStat } from "../../src/core/layer.ts";

const RUNS = Number(env("LAYERFS_PROBE_HOST_RUNS") ?? 25);

let root: string;
beforeAll(() => { root = tempDir("layerfs-probe-", true); });
afterAll(() => cleanup(root));

/** Write a MemorySpec as a host directory (aufs form: whiteouts are empty files). */
function writeSpec(dir: string, spec: MemorySpec): void {
  fs.mkdirSync(dir, { recursive: true });
  const links: [string, string][] = [];
  for (const [rel, v] of Object.entries(spec)) {
    const p = `${dir}/${rel}`;
    fs.mkdirSync(p.slice(0, p.lastIndexOf("/")), { recursive: true });
    if (typeof v === "string") fs.writeFileSync(p, v);
    else if ("dir" in v) { fs.mkdirSync(p, { recursive: true }); fs.chmodSync(p, v.mode ?? 0o755); }
    else if ("symlink" in v) fs.symlinkSync(v.symlink, p);
    else if ("link" in v) links.push([`${dir}/${v.link}`, p]);
    else if ("file" in v && typeof v.file === "string") { fs.writeFileSync(p, v.file); fs.chmodSync(p, v.mode ?? 0o644); }
    else throw new Error(`unexpected spec entry ${rel}`);
  }
  for (const [from, to] of links) fs.linkSync(from, to);
}

const PATHS = probePaths();

/** The same, without what differs between a host and a memory layer (ids, inode numbers). */
function shape(e: LowerEntry | undefined): unknown {
  if (e === undefined) return undefined;
  return { layer: e.layer, type: e.type, dirLayers: e.dirLayers === undefined ? undefined : [...e.dirLayers], size: e.type === "dir" ? 0 : e.stat.size };
}

function indexAll(image: Image): void {
  const visit = (e: LowerEntry, path: string): void => {
    if (e.dirLayers === undefined) return;
    for (const [name, child] of image.dir(e, path).entries) visit(child, path === "" ? name : `${path}/${name}`);
  };
  visit(image.rootEntry()!, "");
}

// Each directory probed name by name (as on ext4), or listed at its first lookup (as a small one on tmpfs).
const STRATEGIES: [string, () => HostFs][] = [["probed", probingHost], ["small directories listed at first lookup", listingHost]];

describe.each(STRATEGIES)("DirLayer lowers: looked-up and listed views agree (%s)", (_name, lookupHost) => {
  let run = 0;
  it("random stacks on disk: every path looked up gives the entry the listed image gives (and a memory image of the same specs)", () => {
    fc.assert(fc.property(draws, fc.integer({ min: 1, max: 5 }), (draw, depth) => {
      const specs = Array.from({ length: depth }, () => randLayer(draw));
      const dirs = specs.map((s, i) => { const d = `${root}/${lookupHost === probingHost ? "p" : "l"}${run}/l${i}`; writeSpec(d, s); return d; });
      run++;
      const probed = new Image(dirs.map((d) => new DirLayer(lookupHost(), d)));
      const listed = new Image(dirs.map((d) => new DirLayer(lookupHost(), d))); // the same reported sizes
      const memory = new Image(specs.map((s) => MemoryLayer.from(s)));
      indexAll(listed);
      for (const p of PATHS) {
        const e = probed.lookup(p);
        expect(foundEntry(e), p).toEqual(foundEntry(listed.lookup(p)));
        expect(shape(e), p).toEqual(shape(memory.lookup(p)));
        // The layer's own answers agree too (a probe of the top layer vs its listing; not the atime a
        // listing moves, nor a directory's size: lookupHost reports its own).
        const comparable = (st: EntryStat | undefined) => (st === undefined ? st : { ...st, atimeNs: 0n, size: st.type === "dir" ? 0 : st.size });
        expect(comparable(probed.layers[depth - 1]!.stat(p)), p).toEqual(comparable(listed.layers[depth - 1]!.stat(p)));
      }
      // typesToMerge (asked of a fresh layer, so every answer is a first probe) gives stat's types.
      const merging = dirs.map((d) => new DirLayer(lookupHost(), d));
      for (const p of PATHS) {
        const slash = p.lastIndexOf("/");
        const dir = slash < 0 ? "" : p.slice(0, slash);
        for (let i = 0; i < depth; i++) {
          expect(merging[i]!.typesToMerge(dir, [p.slice(slash + 1)])[0], `${i}:${p}`).toEqual(listed.layers[i]!.stat(p)?.type);
        }
      }
      const diff = diffTrees(snapshotUnion(new Union(probed, new MemoryLayer())), snapshotUnion(new Union(listed, new MemoryLayer())));
      expect(diff, diff.join("\n")).toEqual([]);
    }), { numRuns: RUNS });
  });
});
