/**
 * The union a command works on, with images: `--image IMAGE` (an OCI layout
 * `DIR[:TAG]`, an OCI archive `FILE.tar[:TAG]` or a docker archive
 * `FILE.tar[:REPO:TAG]`, told apart by content) at the bottom, then each
 * `--layer` (a host directory, or a layer tarball: plain, gzip or zstd, told
 * by content), then `--upper` (or a memory layer). Compressed layers are
 * decompressed once into the layer cache (`--cache DIR`, else $LAYERFS_CACHE,
 * $XDG_CACHE_HOME/layerfs or ~/.cache/layerfs).
 */
import { Image } from "../core/image.ts";
import type { Layer } from "../core/layer.ts";
import { Union } from "../core/union.ts";
import type { UnionOptions } from "../core/union.ts";
import { defaultCacheDir, FileLayerCache, loadHostImage, nodeHasher, parseHostImageRef } from "../host/image-host.ts";
import { isImageError, messageOf } from "../oci/errors.ts";
import { openLayerTarball } from "../oci/layer-tarball.ts";
import type { LoadedImage } from "../oci/load.ts";
import { CliError } from "./errors.ts";
import { openUpper } from "./open-union.ts";
import type { LayerArgs } from "./open-union.ts";
import { loadStep, progressBar } from "./progress.ts";
import type { CliRuntime } from "./runtime.ts";

export interface ImageArgs extends LayerArgs {
  image?: string | undefined;
  cache?: string | undefined;
}

/** A command's union and, with --image, the loaded image (for run's config and commit). */
export interface CliUnion {
  union: Union;
  loaded: LoadedImage | undefined;
  /** Close the image's files and layer sources. */
  close(): void;
}

/** Build the union from --image, --layer and --upper (see the module comment). */
/** `lock`: take the upper's lock (run; the commands that only read an upper do not). */
export async function openCliUnion(rt: CliRuntime, args: ImageArgs, createUpper = false, lock = false, options: UnionOptions = {}): Promise<CliUnion> {
  const cacheDir = args.cache ?? defaultCacheDir();
  const cache = new FileLayerCache(cacheDir, (p) => rt.fileSource(p));
  let loaded: LoadedImage | undefined;
  const extra: Layer[] = [];
  const closers: (() => void)[] = [];
  const close = (): void => {
    for (const c of closers.splice(0)) c();
  };
  try {
    if (args.image !== undefined) {
      loaded = await loadCliImage(rt, args.image, cache);
      closers.push(() => loaded!.close());
    }
    for (const path of args.layer ?? []) {
      const kind = rt.kind(path);
      if (kind === undefined) throw new CliError(`layer '${path}': no such directory`);
      if (kind === "dir") {
        extra.push(rt.lowerLayer(rt.resolve(path)));
      } else if (kind === "file") {
        const bar = await progressBar(rt, path);
        try {
          const layer = await openLayerTarball(rt.fileSource(path), path, {
            cache, hasher: nodeHasher,
            onProgress: (done, total, phase) => bar.update(phase, done, total),
          });
          extra.push(layer);
          closers.push(() => layer.close());
        } catch (e) {
          // A file that is no tar at all: say both things it is not.
          if (isImageError(e, "ELAYER")) throw new CliError(`layer '${path}': not a directory, and not a layer tarball (${messageOf(e.cause ?? e)})`);
          throw e;
        } finally {
          bar.stop();
        }
      } else {
        throw new CliError(`layer '${path}': neither a directory nor a layer tarball`);
      }
    }
    const upper = openUpper(rt, args, createUpper, lock);
    const lowers = [...(loaded?.image.layers ?? []), ...extra];
    return { union: new Union(new Image(lowers), upper, options), loaded, close };
  } catch (e) {
    close();
    throw e;
  }
}

/** Load `--image` text (path with an optional tag) with a progress bar on a terminal. */
async function loadCliImage(rt: CliRuntime, text: string, cache: FileLayerCache): Promise<LoadedImage> {
  const ref = parseHostImageRef(text);
  if (ref === undefined) throw new CliError(`image '${text}': no such file or directory`);
  const bar = await progressBar(rt, ref.path);
  try {
    return await loadHostImage(ref.path, { cache, ...(ref.tag !== undefined ? { tag: ref.tag } : {}), onProgress: (p) => loadStep(bar, p) }, (p) => rt.fileSource(p));
  } finally {
    bar.stop();
  }
}

/** Run `fn` on the command's union, closing the image afterwards. */
export async function withCliUnion<T>(rt: CliRuntime, args: ImageArgs, fn: (union: Union) => T): Promise<T> {
  const opened = await openCliUnion(rt, args);
  try {
    return fn(opened.union);
  } finally {
    opened.close();
  }
}
