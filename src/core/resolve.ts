/**
 * Path resolution inside the union root (SEMANTICS rule 14, cap-std style):
 * one component at a time with a stack of parent directories, so ".." at the
 * root stays at the root and an absolute symlink target restarts at the union
 * root. Symlink expansion has a budget of 40 hops (ELOOP).
 *
 * Creating absolute symlinks is a separate question: the union accepts them
 * (layers and image building have them), while the WASI front-ends refuse a
 * guest's path_symlink with an absolute target (EPERM, the WASI filesystem
 * spec's answer) unless allowAbsoluteSymlinks (wasi/paths.ts, refuseAbsoluteTarget).
 */
import { Errno, FsError } from "./errno.ts";
import { lookupChild, nodeType, rootNode } from "./lookup.ts";
import type { Layers, Node } from "./lookup.ts";
import { parsePath } from "./path.ts";

const MAX_SYMLINK_HOPS = 40;

/** The outcome of resolving a path: the final name and the directory holding it. */
export interface Lookup {
  /** Directory holding the final name (for "/", "." or "..": the resolved directory itself). */
  readonly dir: Node;
  /** Final component ("" for the root, or "." / ".."). */
  readonly name: string;
  /** The object found, undefined if the final name does not exist. */
  readonly node: Node | undefined;
  /** The final component was the root, "." or "..": no (dir, name) to create or remove. */
  readonly special: boolean;
  /** The path (or the last symlink target) ended in "/". */
  readonly trailingSlash: boolean;
}

/** Target of the symlink `node`, verbatim. */
export function readlinkNode(u: Layers, node: Node): string {
  if (node.upper !== undefined) return u.upper.readlink(node.path);
  return u.image.layers[node.lower!.layer]!.readlink(node.path);
}

/**
 * Resolve `path`. Intermediate symlinks are always followed; the last one
 * only with `follow` (or a trailing slash). A missing final name is not an
 * error (node undefined); a missing or non-directory intermediate is.
 * `follow = "raw"`: the last component is never followed and a trailing slash
 * is only reported (rename/link/symlink check it themselves, in Linux order).
 */
export function resolve(u: Layers, path: string, follow: boolean | "raw", syscall?: string): Lookup {
  const raw = follow === "raw";
  const parsed = parsePath(path, syscall);
  const todo = parsed.components.reverse(); // pop() yields the next component
  let trailingSlash = parsed.trailingSlash;
  const stack: Node[] = [rootNode(u)];
  let hops = 0;
  for (;;) {
    const cur = stack[stack.length - 1]!;
    const name = todo.pop();
    if (name === undefined) return { dir: cur, name: "", node: cur, special: true, trailingSlash };
    const last = todo.length === 0;
    if (name === ".") {
      if (last) return { dir: cur, name, node: cur, special: true, trailingSlash };
      continue;
    }
    if (name === "..") {
      if (stack.length > 1) stack.pop();
      if (last) {
        const d = stack[stack.length - 1]!;
        return { dir: d, name, node: d, special: true, trailingSlash };
      }
      continue;
    }
    const child = lookupChild(u, cur, name);
    if (child === undefined) {
      if (last) return { dir: cur, name, node: undefined, special: false, trailingSlash };
      throw new FsError(Errno.NOENT, syscall, path);
    }
    const type = nodeType(child);
    if (type === "symlink" && (!last || (!raw && (follow || trailingSlash)))) {
      if (++hops > MAX_SYMLINK_HOPS) throw new FsError(Errno.LOOP, syscall, path);
      const target = readlinkNode(u, child);
      if (target === "") throw new FsError(Errno.NOENT, syscall, path);
      const t = parsePath(target, syscall);
      if (t.absolute) stack.length = 1;
      if (last) trailingSlash = trailingSlash || t.trailingSlash;
      for (let i = t.components.length - 1; i >= 0; i--) todo.push(t.components[i]!);
      continue;
    }
    if (last) {
      if (trailingSlash && !raw && type !== "dir") throw new FsError(Errno.NOTDIR, syscall, path);
      return { dir: cur, name, node: child, special: false, trailingSlash };
    }
    if (type !== "dir") throw new FsError(Errno.NOTDIR, syscall, path);
    stack.push(child);
  }
}

/** Resolve to an existing object (ENOENT otherwise). */
export function resolveNode(u: Layers, path: string, follow: boolean | "raw", syscall?: string): Node {
  const r = resolve(u, path, follow, syscall);
  if (r.node === undefined) throw new FsError(Errno.NOENT, syscall, path);
  return r.node;
}
