// Serialise any Layer into an uncompressed tar (test helper: turns the
// MemoryLayer fixtures into TarLayers). PAX records for long or non-ASCII
// names and ns mtimes; hard links (same id) as type 1 entries. Portable.
import type { Layer } from "../../src/core/layer.ts";
import { childPath } from "../../src/core/layer.ts";
import { concat, END, paxEntry, rawEntry } from "./tar-builder.ts";

const ascii = (s: string) => /^[\x20-\x7e]*$/.test(s);

export function layerToTar(layer: Layer): Uint8Array {
  const parts: Uint8Array[] = [];
  const firstPath = new Map<number, string>();
  const stack = [""];
  while (stack.length > 0) {
    const dir = stack.pop()!;
    for (const name of layer.readdir(dir).sort()) {
      const path = childPath(dir, name);
      const st = layer.stat(path)!;
      const pax: Record<string, string> = {};
      const tarName = st.type === "dir" ? path + "/" : path;
      if (tarName.length > 100 || !ascii(tarName)) pax.path = tarName;
      const secs = st.mtimeNs / 1_000_000_000n;
      const frac = st.mtimeNs % 1_000_000_000n;
      if (frac !== 0n) pax.mtime = `${secs}.${frac.toString().padStart(9, "0")}`;
      const base = { name: tarName.slice(0, 100), mode: st.mode, uid: st.uid, gid: st.gid, mtime: Number(secs) };
      if (st.type === "dir") {
        stack.push(path);
        emit(pax, rawEntry({ ...base, type: "5" }));
      } else if (st.type === "symlink") {
        const target = layer.readlink(path);
        if (target.length > 100 || !ascii(target)) pax.linkpath = target;
        emit(pax, rawEntry({ ...base, type: "2", linkname: target.slice(0, 100) }));
      } else if (st.nlink > 1 && firstPath.has(st.id)) {
        const target = firstPath.get(st.id)!;
        if (target.length > 100 || !ascii(target)) pax.linkpath = target;
        emit(pax, rawEntry({ ...base, type: "1", linkname: target.slice(0, 100) }));
      } else {
        firstPath.set(st.id, path);
        const f = layer.open(path);
        const data = new Uint8Array(st.size);
        f.read(data, 0);
        f.close();
        emit(pax, rawEntry({ ...base, type: "0", data }));
      }
    }
  }
  return concat([...parts, END]);

  function emit(pax: Record<string, string>, entry: Uint8Array): void {
    if (Object.keys(pax).length > 0) parts.push(paxEntry(pax));
    parts.push(entry);
  }
}
