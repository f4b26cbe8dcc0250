/**
 * What a DirLayer shows of a host object, and the overlayfs lower format it
 * reads: a char device 0:0 named X is a whiteout, reported as an empty file
 * `.wh.X`. Other special files (FIFOs, sockets, other devices) are not shown.
 */
import { WHITEOUT_PREFIX, childPath, lastSlash, parentPath } from "../../core/layer.ts";
import { classifyRawName, whitedOutName } from "../../core/whiteout.ts";
import type { HostDirent, HostStat } from "./host-fs.ts";

export function isOverlayWhiteout(st: HostStat): boolean {
  return st.kind === "char" && st.rdev === 0n;
}

/** Regular files, directories and symlinks are shown; other host objects are not. */
export function isShown(st: HostStat): boolean {
  return st.kind === "file" || st.kind === "dir" || st.kind === "symlink";
}

/** For a whiteout name `.wh.X` (not the `.wh..wh.` meta names): "X", else undefined. */
export function whiteoutTargetName(name: string): string | undefined {
  if (classifyRawName(name) !== "whiteout") return undefined;
  const target = whitedOutName(name);
  return target === "" ? undefined : target;
}

/** The layer path of the char device X that `.wh.X` at `path` may stand for (undefined: not a whiteout name). */
export function overlayWhiteoutPath(path: string): string | undefined {
  const slash = lastSlash(path);
  if (!path.startsWith(WHITEOUT_PREFIX, slash + 1)) return undefined; // no name to slice off for a plain name (nearly all)
  const target = whiteoutTargetName(slash < 0 ? path : path.slice(slash + 1));
  return target === undefined ? undefined : childPath(parentPath(path), target);
}

/** The name a directory entry is listed under, after `stat` when the listing did not say (undefined: not shown). */
export function listedName(entry: HostDirent, st: HostStat | undefined): string | undefined {
  if (entry.kind === "file" || entry.kind === "dir" || entry.kind === "symlink") return entry.name;
  if (st === undefined) return undefined;
  if (isOverlayWhiteout(st)) return WHITEOUT_PREFIX + entry.name;
  return isShown(st) ? entry.name : undefined;
}
