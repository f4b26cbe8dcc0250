/** `layerfs tree`: the merged view as a tree, like tree(1). */
import type { Union } from "../../core/union.ts";
import { LAYER_OPTIONS, parseCommand } from "../args.ts";
import { UsageError } from "../errors.ts";
import { help } from "../help.ts";
import { withCliUnion } from "../image-source.ts";
import type { CliRuntime } from "../runtime.ts";
import { joinPath } from "./format.ts";

export async function treeCommand(args: string[], rt: CliRuntime): Promise<number> {
  const { values, positionals } = parseCommand("tree", args, LAYER_OPTIONS);
  if (values.help) return help(rt, "tree");
  if (positionals.length > 1) throw new UsageError(`unexpected argument '${positionals[1]}'`, "tree");
  const root = positionals[0] ?? "/";
  rt.stdout(await withCliUnion(rt, values, (union) => renderTree(union, root)));
  return 0;
}

/** The tree under `root` as text, with a "N directories, M files" footer. */
export function renderTree(union: Union, root: string): string {
  const lines = [root];
  const counts = { dirs: 0, files: 0 };
  if (union.stat(root).type === "dir") walk(union, root, "", lines, counts);
  const dirs = `${counts.dirs} ${counts.dirs === 1 ? "directory" : "directories"}`;
  const files = `${counts.files} ${counts.files === 1 ? "file" : "files"}`;
  return `${lines.join("\n")}\n\n${dirs}, ${files}\n`;
}

function walk(union: Union, dir: string, prefix: string, lines: string[], counts: { dirs: number; files: number }) {
  const entries = union.readdirEntries(dir);
  entries.forEach((entry, i) => {
    const last = i === entries.length - 1;
    const path = joinPath(dir, entry.name);
    const label = entry.type === "symlink" ? `${entry.name} -> ${union.readlink(path)}` : entry.name;
    lines.push(`${prefix}${last ? "└── " : "├── "}${label}`);
    if (entry.type === "dir") {
      counts.dirs++;
      walk(union, path, prefix + (last ? "    " : "│   "), lines, counts);
    } else {
      counts.files++;
    }
  });
}
