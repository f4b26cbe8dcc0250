/**
 * What Union.fork and Union.reset need besides swapping the upper: a fresh
 * upper of the same kind, and (after a fork) the open handles carried over
 * so that this union's descriptors keep seeing this union's view.
 */
import { copyUp } from "./copy-up.ts";
import { Errno, FsError } from "./errno.ts";
import type { LowerReadFile, UpperFile } from "./file.ts";
import { findNames } from "./find-names.ts";
import type { Layer, LayerFile, WritableLayer } from "./layer.ts";
import type { ImageAndUpper } from "./lookup.ts";
import { resolve } from "./resolve.ts";
import type { UnionState } from "./union-state.ts";
import type { UnionFile } from "./union-types.ts";

/** An empty upper of the same kind as `upper` (ENOTSUP for one that cannot be replaced in O(1)). */
export function freshUpper(upper: WritableLayer, sys: string): WritableLayer {
  const next = upper.successor?.();
  if (next === undefined) throw new FsError(Errno.NOTSUP, sys, undefined, "the upper cannot be replaced in O(1) (a host directory); only a memory upper can");
  return next;
}

/**
 * After a fork: the handles on objects of the frozen upper continue in this
 * union's view. Readers follow their path first, so the writers' copy-ups
 * below retarget them onto the same copy.
 */
export function carryHandles(u: ImageAndUpper, s: UnionState, frozen: Layer): void {
  const readers = [...s.upperReaders];
  const writers = [...s.writers];
  const names = namesInFrozen(frozen, [...readers, ...writers]);
  // The name each handle continues under: its own while it still shows its object, else another one.
  const nameOf = (h: LowerReadFile | UpperFile, id: number): string | undefined =>
    frozen.stat(h.layerPath)?.id === id ? h.layerPath : names.get(id);
  // Objects without a name: one private copy per object, shared by its handles.
  // Keyed by id: the handles' objects are of the frozen upper or of earlier
  // private copies, all successors of one upper, whose ids never collide.
  const privates = new Map<number, { layer: WritableLayer; readers: LowerReadFile[] }>();
  const privateOf = (handle: UnionFile, file: LayerFile): { layer: WritableLayer; readers: LowerReadFile[] } => {
    const st = file.stat();
    let p = privates.get(st.id);
    if (p === undefined) {
      const layer = u.upper.successor!();
      layer.createFileFrom("f", file, { mode: st.mode, uid: st.uid, gid: st.gid, atimeNs: st.atimeNs, mtimeNs: st.mtimeNs });
      // The copy is the same object to its handles: it keeps their inode number.
      s.inodes.record(layer.stat("f")!.id, handle.stat().ino);
      privates.set(st.id, (p = { layer, readers: [] }));
    }
    return p;
  };
  for (const r of readers) {
    const file = r.layerFile;
    if (file === undefined) continue;
    const path = nameOf(r, file.stat().id);
    if (path !== undefined) r.follow(path);
    else privateOf(r, file).readers.push(r);
  }
  for (const w of writers) {
    const file = w.layerFile;
    if (file === undefined) continue;
    const path = nameOf(w, file.stat().id);
    if (path !== undefined) {
      const node = resolve(s, "/" + path, false).node!;
      // Carrying an open descriptor over is not the guest's change: never refused by the quota.
      const up = s.upper.exempt(() => copyUp(s, node));
      w.retarget(s.upper.openWrite(up.path), up.path);
    } else {
      // Still this union's to pay for: its writes stay under the quota.
      w.retarget(s.upper.adopt(privateOf(w, file).layer.openWrite("f"), w.layerPath), w.layerPath);
    }
  }
  for (const p of privates.values()) {
    for (const r of p.readers) r.replaceFile(p.layer.open("f"));
    p.layer.unlink("f"); // open handles keep it
  }
}

/**
 * A name in the frozen layer for each handle's object that its own name no
 * longer shows but that is still linked (a hard link kept it when the name
 * it was opened by was replaced or removed): as without the fork, the handle
 * goes on with that name's file. Another handle's name of the object is
 * taken first; only what is left walks the frozen layer.
 */
function namesInFrozen(frozen: Layer, handles: readonly (LowerReadFile | UpperFile)[]): Map<number, string> {
  const names = new Map<number, string>();
  const lost = new Set<number>();
  for (const h of handles) {
    const st = h.layerFile?.stat();
    if (st === undefined) continue;
    if (frozen.stat(h.layerPath)?.id === st.id) {
      if (!names.has(st.id)) names.set(st.id, h.layerPath);
    } else if (st.nlink > 0) lost.add(st.id);
  }
  for (const id of names.keys()) lost.delete(id);
  if (lost.size > 0) for (const [id, path] of findNames(frozen, lost)) names.set(id, path);
  return names;
}
