/**
 * Union.open's work: OpenOptions checked, the path resolved, and the handle
 * chosen (a created file, a directory, a copied-up file for writing, or a
 * read-only handle that follows later copy-ups, rule 9).
 */
import { copyUp } from "./copy-up.ts";
import { childPath } from "./layer.ts";
import { createOpenFileAt } from "./create.ts";
import { Errno, FsError } from "./errno.ts";
import { DirHandle, LowerReadFile, UpperFile } from "./file.ts";
import { boolOption, checkOptions, modeOf } from "./fs-options.ts";
import { nodeStat, nodeType } from "./lookup.ts";
import type { UnionNode } from "./lookup.ts";
import { resolve } from "./resolve.ts";
import type { UnionState } from "./union-state.ts";
import type { OpenOptions, Stat, UnionFile } from "./union-types.ts";
import { isReservedName } from "./whiteout.ts";

const BOOLEAN_OPEN_OPTIONS = ["read", "write", "append", "create", "exclusive", "truncate", "directory", "follow"] as const;

/**
 * Is `key` one of BOOLEAN_OPEN_OPTIONS? Compared name by name: a for-in key is an
 * internalized string, so each comparison with a literal is a pointer check, cheaper
 * than a Set lookup (path_open passes six keys on every call).
 */
function isBooleanOpenOption(key: string): boolean {
  return key === "write" || key === "create" || key === "exclusive" || key === "truncate" || key === "directory" ||
    key === "follow" || key === "read" || key === "append";
}

/** OpenOptions as given, checked in one pass (every path_open comes through here): booleans, a mode, nothing else. */
export function checkOpenOptions(options: OpenOptions, path: string): OpenOptions {
  if (typeof options !== "object" || options === null) {
    throw new FsError(Errno.INVAL, "open", path, "options must be an object or a flag string");
  }
  let mode: number | undefined;
  for (const key in options) {
    const v = (options as Record<string, unknown>)[key];
    if (key === "mode") {
      if (v !== undefined) mode = modeOf(v, "open", path);
    } else if (!isBooleanOpenOption(key)) {
      checkOptions(options, [...BOOLEAN_OPEN_OPTIONS, "mode"], "open", path); // throws, naming the key
    } else if (v !== undefined && typeof v !== "boolean") {
      boolOption(options as Record<string, unknown>, key, "open", path); // throws
    }
  }
  return mode === undefined || mode === options.mode ? options : { ...options, mode };
}

/** Open `path` in union state `s` (options already checked); `statOf` gives a directory handle's stat. */
export function openFile(s: UnionState, path: string, options: OpenOptions, statOf: (node: UnionNode) => Stat): UnionFile {
  const sys = "open";
  const create = options.create === true;
  const exclusive = create && options.exclusive === true;
  const write = options.write === true || options.append === true;
  const truncate = options.truncate === true;
  // A read-only open of a file the upper knows it holds: one upper open, no lookup
  // (unless a relocated hard link may need its shared origin: only the id tells).
  const openKnown = !create && !write && !truncate && options.directory !== true && s.upper.openKnownFile !== undefined && !s.inodes.anyShared;
  // O_CREAT|O_EXCL never follows a final symlink (EEXIST instead).
  const r = resolve(s, path, exclusive ? false : options.follow ?? true, sys, openKnown);
  if (r.opened !== undefined) return new LowerReadFile(s, childPath(r.dir.path, r.name), r.opened, undefined, false);
  let node = r.node;
  if (node === undefined) {
    if (!create) throw new FsError(Errno.NOENT, sys, path);
    if (r.trailingSlash) throw new FsError(Errno.ISDIR, sys, path);
    if (isReservedName(r.name)) throw new FsError(Errno.PERM, sys, path, "reserved whiteout name");
    const made = createOpenFileAt(s, r.dir, r.name, { mode: (options.mode ?? 0o644) & 0o7777 }, write);
    return write ? new UpperFile(s, made.path, made.file, true) : new LowerReadFile(s, made.path, made.file, undefined, false);
  }
  if (exclusive) throw new FsError(Errno.EXIST, sys, path);
  const type = nodeType(node);
  if (type === "symlink") throw new FsError(Errno.LOOP, sys, path);
  if (options.directory === true && type !== "dir") throw new FsError(Errno.NOTDIR, sys, path);
  if (type === "dir") {
    if (write || truncate || create) throw new FsError(Errno.ISDIR, sys, path);
    const opened = node;
    return new DirHandle(s, node.path, (p) => {
      const n = p === undefined ? undefined : resolve(s, "/" + p, false).node;
      return n !== undefined ? statOf(n) : statOf(opened);
    });
  }
  if (write || truncate) {
    node = copyUp(s, node, truncate, r.dir);
    // One layer handle serves both the truncation and the caller (UpperFile enforces `write`).
    const file = s.upper.openWrite(node.path);
    if (truncate && nodeStat(node).size > 0) {
      try {
        file.truncate(0);
      } catch (e) {
        file.close();
        throw e;
      }
    }
    return write ? new UpperFile(s, node.path, file, true) : new LowerReadFile(s, node.path, file, undefined, false);
  }
  if (node.upper !== undefined) {
    if (s.inodes.sharedOrigin(node.upper.id) === undefined) return new LowerReadFile(s, node.path, s.upper.open(node.path), undefined, false);
    // A relocated hard-linked lower file: a later change gives this name a new object (rule 13); follow it (rule 9).
    const f = new LowerReadFile(s, node.path, s.upper.open(node.path), undefined);
    s.register(node.path, f);
    return f;
  }
  const le = node.lower!;
  const f = new LowerReadFile(s, node.path, s.image.layers[le.layer]!.open(node.path), le.ino);
  s.register(node.path, f);
  return f;
}
