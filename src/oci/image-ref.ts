/**
 * The CLI's IMAGE syntax: `DIR[:TAG]` (layout directory), `FILE.tar[:TAG]`
 * (OCI archive), `FILE.tar[:REPO:TAG]` (docker archive). Paths may contain
 * ':' themselves, so the path is the longest prefix (ending before a ':') that
 * exists; the rest is the tag.
 */

export interface ImageRef {
  path: string;
  tag?: string;
}

/**
 * Split an IMAGE string into path and tag; `exists(path)` says whether a path exists.
 * Returns undefined when no prefix exists.
 *
 * @example
 * ```ts
 * parseImageRef("img.tar:busybox:latest", (p) => p === "img.tar"); // { path: "img.tar", tag: "busybox:latest" }
 * ```
 */
export function parseImageRef(text: string, exists: (path: string) => boolean): ImageRef | undefined {
  if (text !== "" && exists(text)) return { path: text };
  for (let i = text.lastIndexOf(":"); i > 0; i = text.lastIndexOf(":", i - 1)) {
    const path = text.slice(0, i);
    if (exists(path)) {
      const tag = text.slice(i + 1);
      return tag === "" ? { path } : { path, tag };
    }
  }
  return undefined;
}
