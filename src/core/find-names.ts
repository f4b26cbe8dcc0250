/**
 * Names of objects in one layer, by id: Union.fork uses it for a descriptor
 * whose own name was replaced while another hard link still names its object
 * (link, then rename over or unlink of the first name). A walk of the layer:
 * only run for such descriptors, never on the O(1) path of a fork.
 */
import { childPath } from "./layer.ts";
import type { Layer } from "./layer.ts";
import { isReservedName } from "./whiteout.ts";

/** One visible name (layer path) of each regular file of `layer` whose id is in `ids`; missing: none found. */
export function findNames(layer: Layer, ids: ReadonlySet<number>): Map<number, string> {
  const found = new Map<number, string>();
  const dirs = [""];
  while (dirs.length > 0 && found.size < ids.size) {
    const dir = dirs.pop()!;
    for (const name of layer.readdir(dir)) {
      if (isReservedName(name)) continue;
      const path = childPath(dir, name);
      const st = layer.stat(path);
      if (st?.type === "dir") dirs.push(path);
      else if (st?.type === "file" && ids.has(st.id) && !found.has(st.id)) found.set(st.id, path);
    }
  }
  return found;
}
