/**
 * changes(): the upper layer compared with the image, `docker diff` style.
 * A: added, C: changed, D: deleted. A whiteout gives one D (a deleted
 * directory is one entry); an added directory's children are listed as A too;
 * the parent of an added or deleted name is listed as C. A copied-up directory
 * whose mode and mtime are unchanged is not listed by itself. Lower names
 * hidden by an opaque upper directory, or by an opaque ancestor (and not
 * re-created), are listed as D.
 */
import type { Image } from "./image.ts";
import { childPath, parentPath } from "./layer.ts";
import type { Layer } from "./layer.ts";
import { compareNames } from "./path.ts";
import { classifyRawName, rawListing, whitedOutName } from "./whiteout.ts";
import type { Change } from "./union-types.ts";

export function computeChanges(image: Image, upper: Layer): Change[] {
  const out = new Map<string, Change["kind"]>();
  const note = (path: string, kind: Change["kind"]): void => {
    if (!out.has(path)) out.set(path, kind);
    if (kind === "C") return;
    const parent = parentPath(path);
    if (parent !== "" && !out.has(parent)) out.set(parent, "C");
  };
  // [upper directory, is its lower content cut off by an opaque marker here or above]
  const stack: [string, boolean][] = [["", false]];
  while (stack.length > 0) {
    const [dir, cutAbove] = stack.pop()!;
    const { raws, present, opaque } = rawListing(upper, dir, compareNames);
    const cut = opaque || cutAbove;
    for (const raw of raws) {
      const kind = classifyRawName(raw);
      if (kind === "whiteout") {
        const name = whitedOutName(raw);
        const path = childPath(dir, name);
        if (!present.has(name) && image.lookup(path) !== undefined) note(path, "D");
        continue;
      }
      if (kind !== "entry") continue;
      const path = childPath(dir, raw);
      const st = upper.stat(path);
      if (st === undefined) continue; // gone since readdir (a host directory changed underneath)
      const lower = image.lookup(path);
      if (st.type === "dir") stack.push([path, cut]);
      if (lower === undefined) {
        note(path, "A");
      } else if (!(st.type === "dir" && lower.stat.type === "dir" && st.mode === lower.stat.mode &&
        st.mtimeNs === lower.stat.mtimeNs)) {
        note(path, "C");
      }
    }
    if (cut) {
      const lower = image.lookup(dir);
      if (lower?.dirLayers !== undefined) {
        for (const name of image.dir(lower, dir).entries.keys()) {
          if (!present.has(name)) note(childPath(dir, name), "D");
        }
      }
    }
  }
  return [...out].map(([path, kind]) => ({ kind, path: "/" + path }))
    .sort((a, b) => compareNames(a.path, b.path));
}
