// Random lower layers in aufs/OCI form for the stateful tests (model.test.ts,
// lower-probe.test.ts): files, directories, symlinks, hard links, whiteouts
// (some beside a same-layer entry), opaque markers, an aufs meta name.
import type { LowerEntry } from "../../src/core/lower-index.ts";
import type { MemorySpec } from "../../src/layers/memory.ts";
import type { Draw } from "../support/draw.ts";

/** The names every random layer draws from. */
export const NAMES = ["a", "b", "c", "d"];

/** A random lower layer in aufs/OCI form (files, dirs, symlinks, whiteouts, opaque markers). */
export function randLayer(draw: Draw): MemorySpec {
  const randContent = (): string => {
    let s = "";
    for (let i = draw.int(6); i > 0; i--) s += draw.pick(["x", "y", "z", "0", "1"]);
    return s;
  };
  const randTarget = (): string => {
    const parts: string[] = [];
    for (let i = 1 + draw.int(3); i > 0; i--) parts.push(draw.chance(0.2) ? ".." : draw.pick(NAMES));
    return (draw.chance(0.4) ? "/" : "") + parts.join("/");
  };
  const spec: MemorySpec = {};
  const gen = (prefix: string, depth: number): void => {
    if (draw.chance(prefix === "" ? 0.04 : 0.12)) spec[prefix + ".wh..wh..opq"] = "";
    if (draw.chance(0.03)) spec[prefix + ".wh..wh.aufs"] = "";
    for (const name of NAMES) {
      const p = prefix + name;
      const r = draw.next();
      if (r < 0.35) continue;
      if (r < 0.55) spec[p] = { file: randContent(), mode: draw.pick([0o644, 0o755, 0o600]) };
      else if (r < 0.77 && depth > 0) {
        spec[p] = { dir: true, mode: draw.pick([0o755, 0o700, 0o751]) };
        gen(p + "/", depth - 1);
      } else if (r < 0.85) spec[p] = { symlink: randTarget() };
      else {
        spec[prefix + ".wh." + name] = "";
        if (draw.chance(0.25)) spec[p] = { file: "same-layer", mode: 0o644 };
      }
    }
  };
  gen("", 2);
  // Hard links inside the layer (rule 13): another name for one of its files.
  const files = Object.keys(spec).filter((k) => typeof spec[k] === "object" && "file" in (spec[k] as object));
  const dirs = ["", ...Object.keys(spec).filter((k) => typeof spec[k] === "object" && "dir" in (spec[k] as object)).map((k) => k + "/")];
  for (let i = 0; files.length > 0 && i < 3 && draw.chance(0.5); i++) {
    const name = draw.pick(dirs) + draw.pick(NAMES);
    if (spec[name] === undefined) spec[name] = { link: draw.pick(files) };
  }
  return spec;
}

/** Every path of up to three components over NAMES, and a few reserved names below them. */
export function probePaths(): string[] {
  const out: string[] = [];
  const grow = (prefix: string, depth: number): void => {
    for (const n of [...NAMES, ".wh.a", ".wh..wh..opq", "zz"]) {
      const p = prefix === "" ? n : `${prefix}/${n}`;
      out.push(p);
      if (depth > 1 && NAMES.includes(n)) grow(p, depth - 1);
    }
  };
  grow("", 3);
  return out;
}

/** What a lower lookup found, comparable across images of the same layers. */
export function foundEntry(e: LowerEntry | undefined): unknown {
  if (e === undefined) return undefined;
  const st = e.stat;
  return { layer: e.layer, type: e.type, dirLayers: e.dirLayers === undefined ? undefined : [...e.dirLayers], ino: e.ino, mode: st.mode, size: st.size, id: st.id };
}
