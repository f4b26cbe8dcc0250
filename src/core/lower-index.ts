/**
 * The merged view of the lower layers (no upper), one directory at a time.
 * A directory's index is built once, from every layer that contributes to it,
 * and cached on its parent's entry: after the first visit a lookup is one Map
 * get per path component, whatever the number of layers.
 *
 * Before that index is needed (a listing, or more than PROBES_BEFORE_INDEX
 * distinct names looked up in the directory), a name is found by probing its
 * layers top-down for the one name (its entry, its `.wh.` whiteout and the
 * directory's opaque marker: one Layer.statChildren per layer), as the kernel
 * does with negative dentries, and the answer cached: the first lookup under
 * 64 layers then costs 64 probes instead of 64 listings merged. Both paths
 * give the same answers (test/core/lower-probe.test.ts). Below the layer whose
 * copy is shown, a layer is asked only for types (Layer.typesToMerge): whether
 * its copy of a directory merges, or it hides the rest; a host layer then skips
 * the check of its directory that attributes need.
 *
 * The index is flat in layer depth in memory too: its entries are made after
 * the merge, in readdir's order, each with its own copy of its name, and its
 * attributes are taken on first use where the listings were typed. A walk then
 * reads the index in the order it was allocated, instead of jumping between the
 * names each layer made when it was built (row 3/walk: 1.13x at 16 layers
 * before, 1.00x after). Lowers are read-only while mounted (rule 18) and the
 * upper is never part of it, so the index and its order stay true whatever the
 * upper does (readdir-merge.ts merges the upper's names in on each listing).
 *
 * Reading order inside one layer (SEMANTICS rule 3): the opaque marker and the
 * whiteouts of a layer hide only the layers *below* it, so a layer's own
 * entries are taken first and its whiteouts/marker applied after them.
 */
import { Errno, FsError } from "./errno.ts";
import { OPAQUE_MARKER, WHITEOUT_PREFIX, childPath, sameElements } from "./layer.ts";
import type { DirStamp, EntryStat, EntryType, Layer } from "./layer.ts";
import { compareNames } from "./path.ts";
import type { DirMemo, StackMemo } from "./stack-memo.ts";
import { classifyRawName, isOpaque, whitedOutName } from "./whiteout.ts";

/**
 * Distinct names a directory answers by probing before its merged index is
 * built: a host layer's listing costs about as much as a few probes, and a
 * directory looked up by many names is better served from one Map.
 */
export const PROBES_BEFORE_INDEX = 16;

/** One visible name of the lower view. */
export class LowerEntry {
  #stat: EntryStat | undefined;
  #ino: number | undefined;
  /** Cached index of this directory (built on first use). */
  dir: LowerDir | undefined = undefined;

  constructor(
    /** Index (bottom first) of the topmost layer holding the visible object. */
    readonly layer: number,
    readonly type: EntryType,
    /** Directories: the layers, top first, whose copies merge into this one (complete once its parent is built). */
    readonly dirLayers: readonly number[] | undefined,
    stat: EntryStat | undefined,
    /** Its directory in the lower view (the root's: a directory of its own at ""). */
    private readonly parent: LowerDir,
    /** Its name there ("" for the root). */
    readonly name: string,
  ) {
    this.#stat = stat;
  }

  private get path(): string {
    return this.name === "" ? this.parent.path : childPath(this.parent.path, this.name);
  }

  /**
   * Its attributes in that layer (layers are immutable while mounted), from
   * the layer on first use when the listing gave only the type.
   */
  get stat(): EntryStat {
    if (this.#stat !== undefined) return this.#stat;
    const path = this.path;
    const st = this.parent.layers[this.layer]!.stat(path);
    if (st === undefined || st.type !== this.type) throw new FsError(Errno.IO, "stat", path, "lower layer changed while mounted");
    return (this.#stat = st);
  }

  /** Its union inode number, on first use: unique per (layer, id), shared by hard links (see inoIn). */
  get ino(): number {
    if (this.#ino !== undefined) return this.#ino;
    const st = this.stat;
    const layers = this.parent.layers;
    const ino = inoIn(layers[this.layer]!, this.layer, st) ?? dirIno(layers, this.path, this.dirLayers!, 0, st);
    return (this.#ino = ino);
  }
}

/** Where a stack's answers are kept across unions (stack-memo.ts): the memo and the stack's key in it. */
export interface MemoOfStack {
  readonly memo: StackMemo;
  readonly stack: string;
}

/** One lower directory: its names found by probing the layers, or from its merged index once built. */
export class LowerDir {
  #entries: Map<string, LowerEntry> | undefined;
  /** Before the index: names probed so far (null: absent in the lower view). */
  #probes: Map<string, LowerEntry | null> | undefined = new Map();
  /** Before the index: per position in dirLayers, whether the directory is opaque in that layer (probed on first need). */
  #opaque: boolean[] = [];
  /** This directory's answers kept across unions (stack-memo.ts): undefined until first asked, null: none to use. */
  #memo: DirMemo | null | undefined = undefined;
  /** No memo could be started here: a merging layer held no stamp after a probe that asked them all. */
  #memoless = false;
  /** Did the last probe ask every merging layer (no layer above hid the rest)? */
  #askedAll = false;

  constructor(
    readonly path: string,
    readonly layers: readonly Layer[],
    /** The layers, top first, whose copies of the directory merge into it. */
    readonly dirLayers: readonly number[],
    /** Where the stack's answers are kept across unions; undefined: not kept (a layer without memoKey). */
    private readonly memoOf: MemoOfStack | undefined = undefined,
  ) {}

  /** The visible lower entry `name` (a plain name), if any. */
  get(name: string): LowerEntry | undefined {
    if (this.#entries !== undefined) return this.#entries.get(name);
    const probes = this.#probes!;
    const known = probes.get(name);
    if (known !== undefined) return known ?? undefined;
    if (probes.size >= PROBES_BEFORE_INDEX) return this.entries.get(name);
    const e = classifyRawName(name) === "entry" ? this.#lookUp(name) : undefined;
    probes.set(name, e ?? null);
    return e;
  }

  /** `name` from the memo of this directory where it holds it, else probed (and noted there). */
  #lookUp(name: string): LowerEntry | undefined {
    if (this.memoOf === undefined || this.dirLayers.length === 0) return this.#probe(name); // no layer: nothing to keep
    const memo = this.#validMemo();
    const a = memo?.answers.get(name);
    if (a !== undefined) return a === null ? undefined : new LowerEntry(a.layer, a.type, a.dirLayers, undefined, this, name);
    const found = this.#probe(name);
    this.#note(memo, name, found);
    return found;
  }

  /**
   * The memo of this directory, if every merging layer's stamp of it now is the
   * one it was taken under (one fresh stamp per layer, stopping at the first
   * that differs); checked once: lowers do not change while mounted.
   */
  #validMemo(): DirMemo | null {
    if (this.#memo !== undefined) return this.#memo;
    const { memo, stack } = this.memoOf!;
    const held = memo.find(stack, this.path, this.dirLayers);
    let valid: DirMemo | null = null;
    if (held !== undefined) {
      const unchanged = this.dirLayers.every((li, i) => {
        const now = this.layers[li]!.dirStamp!(this.path, true);
        return now !== undefined && sameElements(now, held.stamps[i]!);
      });
      if (unchanged) valid = held;
      else memo.forget(stack, this.path);
    }
    return (this.#memo = valid);
  }

  /** Note what a probe found for `name` in the memo: a new one if none is valid and every merging layer holds a stamp taken before it answered. */
  #note(valid: DirMemo | null, name: string, found: LowerEntry | undefined): void {
    const { memo, stack } = this.memoOf!;
    let m = valid;
    if (m === null) {
      // A memo starts after a probe that asked every layer: each has taken its stamp by then if it ever does.
      if (this.#memoless || !this.#askedAll) return;
      const stamps: DirStamp[] = [];
      for (const li of this.dirLayers) {
        const st = this.layers[li]!.dirStamp!(this.path, false);
        if (st === undefined) { this.#memoless = true; return; }
        stamps.push(st);
      }
      m = this.#memo = memo.start(stack, this.path, this.dirLayers, stamps);
    }
    const dirLayers = found?.dirLayers;
    memo.answer(m, name, found === undefined ? null : { layer: found.layer, type: found.type, dirLayers: dirLayers === undefined ? undefined : Object.freeze([...dirLayers]) });
  }

  /**
   * Every visible name (the merged index, built on first use), in readdir's
   * order (by name bytes): the lower view never changes while mounted (rule
   * 18), so neither does its order. What the upper adds or hides is merged in
   * by readdir-merge.ts on each listing.
   */
  get entries(): ReadonlyMap<string, LowerEntry> {
    if (this.#entries !== undefined) return this.#entries;
    const merged = mergeListings(this);
    const probes = this.#probes!;
    const entries = new Map<string, LowerEntry>();
    // Made in readdir's order, each with its own copy of its name: a walk then reads the
    // index in the order it was allocated, as close together as the one layer's listing would
    // be, instead of going back and forth between the memory of each layer's names.
    for (const name of [...merged.keys()].sort(compareNames)) {
      const m = merged.get(name)!;
      // Entries handed out by probes stay the ones the index holds (their cached stats and subdirectory indexes).
      const probed = probes.get(name);
      const e = probed != null && sameEntry(probed, m) ? probed : new LowerEntry(m.layer, m.type, m.dirLayers, m.stat, this, ownCopy(name));
      entries.set(e.name, e);
    }
    this.#probes = undefined;
    this.#opaque = [];
    return (this.#entries = entries);
  }

  /** Has the merged index been built (for tests and measurements)? */
  get indexed(): boolean {
    return this.#entries !== undefined;
  }

  /** Find `name` layer by layer, top first, as mergeListings would merge it. */
  #probe(name: string): LowerEntry | undefined {
    const { path, layers, dirLayers } = this;
    const all = [name, WHITEOUT_PREFIX + name, OPAQUE_MARKER];
    const withoutMarker = all.slice(0, 2);
    const alone = all.slice(0, 1);
    let found: LowerEntry | undefined;
    let merging: number[] | undefined;
    const bottom = dirLayers.length - 1;
    let i = 0;
    for (; i <= bottom; i++) {
      const li = dirLayers[i]!;
      const layer = layers[li]!;
      const known = this.#opaque[i];
      // The bottom layer's whiteouts and marker hide nothing.
      const names = i === bottom ? alone : known === undefined ? all : withoutMarker;
      let types: readonly (EntryType | undefined)[];
      if (merging === undefined) {
        // Nothing found above: this layer's answer may be the one shown, so its attributes (checked).
        const stats = statsIn(layer, path, names);
        const st = stats[0];
        if (st !== undefined) {
          merging = st.type === "dir" ? [li] : undefined;
          found = new LowerEntry(li, st.type, merging, st, this, name);
          if (merging === undefined) break; // a non-directory hides all below
        }
        types = stats.map((s) => s?.type);
      } else {
        // Below a directory found above: only whether this layer adds a copy (or hides the rest).
        types = layer.typesToMerge !== undefined ? layer.typesToMerge(path, names) : statsIn(layer, path, names).map((s) => s?.type);
        const type = types[0];
        if (type === "dir") merging.push(li); // a lower copy of the same directory merges
        else if (type !== undefined) break; // a non-directory under a directory is hidden, and so is all below it
      }
      const opaque = i === bottom || (known ?? (this.#opaque[i] = types[2] !== undefined));
      if (types[1] !== undefined || opaque) break; // this layer's whiteout or marker hides the layers below
    }
    this.#askedAll = i >= bottom;
    return found;
  }
}

/** stat of `names` in directory `path` of `layer`, in one batch where the layer can. */
function statsIn(layer: Layer, path: string, names: readonly string[]): (EntryStat | undefined)[] {
  return layer.statChildren !== undefined ? layer.statChildren(path, names) : names.map((n) => layer.stat(childPath(path, n)));
}

/** Do a probed entry and a merged name describe the same object of the lower view? */
function sameEntry(a: LowerEntry, b: Merged): boolean {
  if (a.layer !== b.layer || a.type !== b.type) return false;
  const x = a.dirLayers;
  const y = b.dirLayers;
  return x === undefined || y === undefined ? x === y : sameElements(x, y);
}

/**
 * (layer + 1) * 2**32 + id; in a layer frozen by Union.fork the number the
 * object had in that union (Layer.unionInodes): the recorded one, else its id
 * (undefined: a directory that took the number of the lower one merging into it).
 */
function inoIn(layer: Layer, li: number, st: EntryStat): number | undefined {
  const recorded = layer.unionInodes;
  if (recorded === undefined) return (li + 1) * 2 ** 32 + st.id;
  return recorded.get(st.id) ?? (st.type === "dir" ? undefined : st.id);
}

/**
 * Number of directory `path` whose copies are in `dirLayers` (top first), from
 * copy `i` down: an unrecorded directory of a forked layer showed the number of
 * the copy merging into it, as the union's upper did (inode.ts), or its id.
 */
function dirIno(layers: readonly Layer[], path: string, dirLayers: readonly number[], i: number, st: EntryStat): number {
  for (;;) {
    const li = dirLayers[i]!;
    const layer = layers[li]!;
    const ino = inoIn(layer, li, st);
    if (ino !== undefined) return ino;
    const below = dirLayers[i + 1];
    const next = below === undefined || isOpaque(layer, path) ? undefined : layers[below]!.stat(path);
    if (next === undefined || next.type !== "dir") return st.id;
    i++;
    st = next;
  }
}

/** A layer's listing of `path` with types: typed where the layer can (no stat per name), else statted. */
function typedListing(layer: Layer, path: string): { names: readonly string[]; types: readonly EntryType[] | undefined } {
  if (layer.readdirTyped !== undefined) return layer.readdirTyped(path);
  return { names: layer.readdir(path), types: undefined };
}

/** One visible name as the merge finds it: the topmost copy, and for a directory the layers (top first) merging into it. */
interface Merged {
  readonly layer: number;
  readonly type: EntryType;
  readonly dirLayers: number[] | undefined;
  readonly stat: EntryStat | undefined;
}

/** Merge the listings of directory `dir` from its layers (top first): its visible names, unordered. */
function mergeListings(dir: LowerDir): Map<string, Merged> {
  const { path, layers, dirLayers } = dir;
  const merged = new Map<string, Merged>();
  // Names nothing below may add to: hidden by a whiteout above, or decided by a non-directory.
  const sealed = new Set<string>();
  for (const li of dirLayers) {
    const layer = layers[li]!;
    const { names, types } = typedListing(layer, path);
    let opaque = false;
    const whiteouts: string[] = [];
    // The names this layer adds to (what layers above left open).
    const wanted: string[] = [];
    const wantedTypes: EntryType[] = [];
    for (let i = 0; i < names.length; i++) {
      const name = names[i]!;
      const kind = classifyRawName(name);
      if (kind === "opaque") opaque = true;
      else if (kind === "whiteout") whiteouts.push(whitedOutName(name));
      if (kind !== "entry" || sealed.has(name)) continue;
      const prev = merged.get(name);
      if (prev !== undefined && prev.type !== "dir") continue;
      // A name below a directory above only matters if it is a directory too (typed listings tell without a stat).
      if (prev !== undefined && types !== undefined && types[i] !== "dir") { sealed.add(name); continue; }
      wanted.push(name);
      if (types !== undefined) wantedTypes.push(types[i]!);
    }
    // Untyped layers: statted in one batch where the layer can.
    const stats = types !== undefined ? undefined : statsIn(layer, path, wanted);
    for (let i = 0; i < wanted.length; i++) {
      const name = wanted[i]!;
      const prev = merged.get(name);
      const st = stats?.[i];
      if (stats !== undefined && st === undefined) throw new FsError(Errno.IO, "readdir", childPath(path, name), "layer listed a name it cannot stat");
      const type = st !== undefined ? st.type : wantedTypes[i]!;
      if (prev === undefined) {
        if (type !== "dir") sealed.add(name);
        merged.set(name, { layer: li, type, dirLayers: type === "dir" ? [li] : undefined, stat: st });
      } else if (type === "dir") {
        prev.dirLayers!.push(li); // a lower copy of the same directory merges
      } else {
        sealed.add(name); // a non-directory under a directory is hidden, and so is all below it
      }
    }
    for (const w of whiteouts) sealed.add(w);
    if (opaque) break;
  }
  return merged;
}

/**
 * A copy of `name` in memory allocated now (engines share a string's memory
 * when it is passed around; concatenating makes a new one, and the slice then
 * copies it, or points into that new one). The layers' own names of one
 * directory were made when each layer was built, far apart.
 */
function ownCopy(name: string): string {
  return (" " + name).slice(1);
}

/** The root entry of a stack of layers (undefined when there are none). */
export function lowerRoot(layers: readonly Layer[]): LowerEntry | undefined {
  if (layers.length === 0) return undefined;
  const top = layers.length - 1;
  const st = layers[top]!.stat("");
  if (st === undefined) throw new FsError(Errno.IO, "stat", "/", "layer without a root");
  const dirLayers: number[] = [];
  for (let i = top; i >= 0; i--) dirLayers.push(i);
  return new LowerEntry(top, "dir", dirLayers, st, new LowerDir("", layers, []), "");
}
