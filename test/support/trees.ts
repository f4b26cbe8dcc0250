// Whole-tree listings for tests that compare two trees line by line: a Union's merged
// tree, and a raw Layer's entries (each test says what a line holds). Portable.
import type { EntryStat, Layer } from "../../src/core/layer.ts";
import type { Union } from "../../src/core/union.ts";

/**
 * Every path of the merged tree with type, mode, owner, size, nlink, mtime (of
 * directories too with `dirMtimes`) and content or link target, sorted.
 */
export function mergedTree(union: Union, options: { dirMtimes?: boolean } = {}): string[] {
  const out: string[] = [];
  const stack = ["/"];
  while (stack.length) {
    const dir = stack.pop()!;
    for (const name of union.readdir(dir)) {
      const p = dir === "/" ? `/${name}` : `${dir}/${name}`;
      const st = union.lstat(p);
      let extra = "";
      if (st.type === "dir") stack.push(p);
      else if (st.type === "symlink") extra = union.readlink(p);
      else extra = union.readFile(p, "utf8") as string;
      const time = st.type === "dir" && !options.dirMtimes ? "" : ` ${st.mtimeNs}`;
      out.push(`${p} ${st.type} ${st.mode.toString(8)} ${st.uid}:${st.gid} ${st.size} ${st.nlink}${time} ${JSON.stringify(extra)}`);
    }
  }
  return out.sort();
}

/** One line per entry of `layer` (layer-relative path), as `line` writes it; sorted. */
export function layerListing(layer: Layer, line: (path: string, st: EntryStat) => string): string[] {
  const out: string[] = [];
  const stack = [""];
  while (stack.length) {
    const dir = stack.pop()!;
    for (const name of layer.readdir(dir)) {
      const p = dir === "" ? name : `${dir}/${name}`;
      const st = layer.stat(p)!;
      if (st.type === "dir") stack.push(p);
      out.push(line(p, st));
    }
  }
  return out.sort();
}

/** The whole content of file `path` of `layer`. */
export function layerFileBytes(layer: Layer, path: string, size: number): Uint8Array {
  const f = layer.open(path);
  try {
    const buf = new Uint8Array(size);
    f.read(buf, 0);
    return buf;
  } finally {
    f.close();
  }
}
