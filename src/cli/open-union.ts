/** Build the union a command works on from --layer / --upper host directories. */
import { Image } from "../core/image.ts";
import { Union } from "../core/union.ts";
import type { WritableLayer } from "../core/layer.ts";
import { LayerInUseError } from "../layers/dir/mod.ts";
import { MemoryLayer } from "../layers/memory.ts";
import { CliError } from "./errors.ts";
import type { CliRuntime } from "./runtime.ts";

export interface LayerArgs {
  layer?: string[] | undefined;
  upper?: string | undefined;
}

/** `run`'s arguments that decide whether the program gets a "/" at all. */
export interface RootArgs extends LayerArgs {
  image?: string | undefined;
  scratch?: boolean | undefined;
}

/**
 * The one place that decides whether `run` gives the program a root "/":
 * only when a root was asked for (an image, a layer, an upper, or --scratch for an
 * empty in-memory one). Otherwise there is no "/" preopen at all, as with
 * wasmtime without --dir (the program sees only its --dir preopens).
 */
export function hasRoot(args: RootArgs): boolean {
  return args.image !== undefined || (args.layer ?? []).length > 0 || args.upper !== undefined || args.scratch === true;
}

/**
 * Lowers are opened bottom first as read-only DirLayers. Without an upper the
 * writable layer is an empty MemoryLayer (thrown away with the union).
 * `createUpper` makes a missing upper directory, and `lock` takes the upper's
 * lock (both for `run`: the commands that only read an upper do not lock it).
 */
export function openUnion(rt: CliRuntime, args: LayerArgs, createUpper = false, lock = false): Union {
  const lowers = (args.layer ?? []).map((path) => {
    requireDir(rt, path, "layer");
    return rt.lowerLayer(rt.resolve(path));
  });
  return new Union(new Image(lowers), openUpper(rt, args, createUpper, lock));
}

/**
 * The writable layer: --upper's DirLayer (not overlapping a --layer), else an
 * empty MemoryLayer. `lock` takes the upper's lock (a second runner gets one line).
 */
export function openUpper(rt: CliRuntime, args: LayerArgs, createUpper = false, lock = false): WritableLayer {
  if (args.upper === undefined) return new MemoryLayer();
  checkNoOverlap(rt, args.upper, args.layer ?? []);
  if (createUpper && rt.kind(args.upper) === undefined) rt.mkdirp(args.upper);
  requireDir(rt, args.upper, "upper");
  try {
    return rt.upperLayer(rt.resolve(args.upper), lock);
  } catch (e) {
    if (e instanceof LayerInUseError) {
      const on = e.holder.host ? ` on ${e.holder.host}` : "";
      throw new CliError(`upper '${args.upper}' is in use by pid ${e.holder.pid}${on} (lock ${e.lockDir})`);
    }
    throw e;
  }
}

/** A host directory argument must exist and be a directory. */
export function requireDir(rt: CliRuntime, path: string, what: string): void {
  const kind = rt.kind(path);
  if (kind === undefined) throw new CliError(`${what} '${path}': no such directory`);
  if (kind !== "dir") throw new CliError(`${what} '${path}': not a directory`);
}

/**
 * The upper must not be, contain, or sit inside a lower layer: writes would
 * change a layer that is meant to be immutable (overlayfs refuses such mounts too).
 */
function checkNoOverlap(rt: CliRuntime, upper: string, layers: readonly string[]): void {
  for (const layer of layers) {
    if (overlaps(rt, upper, layer)) throw new CliError(`upper '${upper}' overlaps layer '${layer}'`);
  }
}

/** Is one host directory the other, or inside it (compared canonically: symlinked spellings too)? */
export function overlaps(rt: CliRuntime, a: string, b: string): boolean {
  const x = rt.resolve(a);
  const y = rt.resolve(b);
  const inside = (p: string, q: string) => p === q || p.startsWith(q.endsWith("/") ? q : q + "/");
  return inside(x, y) || inside(y, x);
}
