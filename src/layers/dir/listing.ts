/**
 * A host directory's listing as a read-only DirLayer's index holds it
 * (lower-index.ts): the names it shows with their type codes, and the `.wh.X`
 * names standing for overlayfs char-device whiteouts X (overlay.ts: what is
 * shown). Kinds the listing leaves open (char devices, d_type unknown) take
 * one lstat each; a name decoded lossily (not UTF-8) that lstat cannot reach
 * makes the directory unreadable.
 */
import { Errno, FsError } from "../../core/errno.ts";
import type { HostDirent, HostStat } from "./host-fs.ts";
import { DEVICE_WHITEOUT, DIR, FILE, SYMLINK } from "./indexed-dir.ts";
import type { Slot } from "./indexed-dir.ts";
import { listedName, whiteoutTargetName } from "./overlay.ts";

export interface ListingEntries {
  readonly entries: Map<string, Slot>;
  readonly devices: Set<string> | undefined;
}

/**
 * The entries `listing` (of host directory `hostPath`, layer path `path`)
 * shows; `lstat` looks at one host path (undefined: nothing there), throwing
 * the layer's own errors for `syscall`.
 */
export function listingEntries(
  listing: readonly HostDirent[], hostPath: string, lstat: (hostPath: string) => HostStat | undefined, syscall: string, path: string,
): ListingEntries {
  const entries = new Map<string, Slot>();
  let devices: Set<string> | undefined;
  const prefix = hostPath.endsWith("/") ? hostPath : hostPath + "/";
  for (const e of listing) {
    // A name the host decoded lossily (not UTF-8) names nothing we could reach again: the directory is unreadable.
    if (e.name.includes("\uFFFD") && lstat(prefix + e.name) === undefined) {
      throw new FsError(Errno.IO, syscall, path, "layer listed a name it cannot stat");
    }
    // A char device may be an overlayfs whiteout; an unknown kind needs a look.
    const cst = e.kind === "char" || e.kind === "unknown" ? lstat(prefix + e.name) : undefined;
    const name = listedName(e, cst);
    if (name === undefined) continue;
    if (name !== e.name) { // the char device e.name, an overlayfs whiteout, listed as `.wh.` + e.name
      if (whiteoutTargetName(name) === undefined) continue; // a device named `.wh.*`: not shown
      if (!entries.has(name)) { // a real `.wh.X` file wins
        entries.set(name, DEVICE_WHITEOUT);
        (devices ??= new Set()).add(name);
      }
      continue;
    }
    const kind = cst?.kind ?? e.kind;
    devices?.delete(name); // a real `.wh.X` wins over the device X
    entries.set(name, kind === "file" ? FILE : kind === "dir" ? DIR : SYMLINK);
  }
  return { entries, devices };
}
