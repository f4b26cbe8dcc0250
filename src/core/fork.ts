/**
 * What Union.fork and Union.reset need besides swapping the upper: a fresh
 * upper of the same kind, and (after a fork) the open handles carried over
 * so that this union's descriptors keep seeing this union's view.
 */
import { copyUp } from "./copy-up.ts";
import { Errno, FsError } from "./errno.ts";
import type { LowerReadFile } from "./file.ts";
import type { Layer, LayerFile, WritableLayer } from "./layer.ts";
import type { ImageAndUpper } from "./lookup.ts";
import { resolve } from "./resolve.ts";
import type { UnionState } from "./union-state.ts";

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
  const visible = (path: string, file: LayerFile): boolean => frozen.stat(path)?.id === file.stat().id;
  // Objects without a name: one private copy per object, shared by its handles.
  const privates = new Map<number, { layer: WritableLayer; readers: LowerReadFile[] }>();
  const privateOf = (file: LayerFile): { layer: WritableLayer; readers: LowerReadFile[] } => {
    const st = file.stat();
    let p = privates.get(st.id);
    if (p === undefined) {
      const layer = u.upper.successor!();
      layer.createFileFrom("f", file, { mode: st.mode, uid: st.uid, gid: st.gid, atimeNs: st.atimeNs, mtimeNs: st.mtimeNs });
      privates.set(st.id, (p = { layer, readers: [] }));
    }
    return p;
  };
  for (const r of [...s.upperReaders]) {
    const file = r.layerFile;
    if (file === undefined) continue;
    if (visible(r.layerPath, file)) r.follow(r.layerPath);
    else privateOf(file).readers.push(r);
  }
  for (const w of [...s.writers]) {
    const file = w.layerFile;
    if (file === undefined) continue;
    if (visible(w.layerPath, file)) {
      const node = resolve(u, "/" + w.layerPath, false).node!;
      // Carrying an open descriptor over is not the guest's change: never refused by the quota.
      const up = s.upper.exempt(() => copyUp(s, node));
      w.retarget(s.upper.openWrite(up.path), up.path);
    } else {
      // Still this union's to pay for: its writes stay under the quota.
      w.retarget(s.upper.adopt(privateOf(file).layer.openWrite("f"), w.layerPath), w.layerPath);
    }
  }
  for (const p of privates.values()) {
    for (const r of p.readers) r.replaceFile(p.layer.open("f"));
    p.layer.unlink("f"); // open handles keep it
  }
}
