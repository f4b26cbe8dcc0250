// The layerfs upper directory on disk, read with plain node:fs (not through DirLayer),
// rendered in the kernel oracle's canonical `## upper-oci` listing format by the common
// formatter in test/support/oracle-format.ts. Reading the host directory directly checks
// what layerfs really left on disk.
import { lstatSync, readdirSync, readFileSync, readlinkSync } from "node:fs";
import { join } from "node:path";
import { OPAQUE_MARKER, WHITEOUT_PREFIX } from "../../src/core/layer.ts";
import { formatListing, sha256Hex } from "../support/oracle-format.ts";
import type { ListingEntry } from "../support/oracle-format.ts";

/** A host directory holding a layer in OCI form, as the oracle lists an upper layer. */
export async function hostLayerListing(root: string): Promise<string[]> {
  const entries: ListingEntry[] = [];
  const walk = async (rel: string): Promise<void> => {
    for (const name of readdirSync(join(root, rel))) {
      const path = rel ? `${rel}/${name}` : name;
      const abs = join(root, path);
      if (name === OPAQUE_MARKER || name.startsWith(WHITEOUT_PREFIX)) {
        entries.push({ path, type: name === OPAQUE_MARKER ? "opq" : "wh" });
        continue;
      }
      const s = lstatSync(abs);
      const type = s.isDirectory() ? "d" : s.isSymbolicLink() ? "l" : "f";
      const e: ListingEntry = { path, type, mode: s.mode & 0o7777, uid: s.uid, gid: s.gid, size: s.size, identity: s.ino };
      if (type === "f") e.sha256 = await sha256Hex(readFileSync(abs));
      if (type === "l") e.target = readlinkSync(abs);
      entries.push(e);
      if (type === "d") await walk(path);
    }
  };
  await walk("");
  return formatListing(entries);
}

/** The lines of one `## NAME` section of the oracle's output. */
export function oracleSection(output: string, name: string): string[] {
  const lines = output.split("\n");
  const start = lines.indexOf(`## ${name}`);
  if (start < 0) return [];
  const end = lines.findIndex((l, i) => i > start && l.startsWith("## "));
  return lines.slice(start + 1, end < 0 ? undefined : end).filter((l) => l !== "");
}

/** The command's output lines as the oracle echoes them ("| " prefixed, in `## command`). */
export function oracleCommandOutput(output: string): string {
  const lines = output.split("\n");
  const start = lines.findIndex((l) => l.startsWith("## command"));
  const end = lines.indexOf("## merged");
  return lines.slice(start + 1, end).filter((l) => l.startsWith("| ")).map((l) => l.slice(2) + "\n").join("");
}
