/** `layerfs ls`: list directories of the merged view. */
import type { Union } from "../../core/union.ts";
import { LAYER_OPTIONS, parseCommand } from "../args.ts";
import { help } from "../help.ts";
import { withCliUnion } from "../image-source.ts";
import type { CliRuntime } from "../runtime.ts";
import { alignColumns, joinPath, modeString, timeString } from "./format.ts";

const OPTIONS = { ...LAYER_OPTIONS, long: { type: "boolean", short: "l" } } as const;

export async function lsCommand(args: string[], rt: CliRuntime): Promise<number> {
  const { values, positionals } = parseCommand("ls", args, OPTIONS);
  if (values.help) return help(rt, "ls");
  const paths = positionals.length > 0 ? positionals : ["/"];
  const out: string[] = [];
  await withCliUnion(rt, values, (union) => paths.forEach((path, i) => {
    if (paths.length > 1) out.push(`${i > 0 ? "\n" : ""}${path}:`);
    out.push(...listing(union, path, values.long === true));
  }));
  rt.stdout(out.map((l) => l + "\n").join(""));
  return 0;
}

/** Lines for one PATH: its entries if a directory, else the path itself (as ls does). */
function listing(union: Union, path: string, long: boolean): string[] {
  const stat = union.stat(path);
  const entries = stat.type === "dir"
    ? union.readdirEntries(path).map((e) => ({ name: e.name, path: joinPath(path, e.name) }))
    : [{ name: path, path }];
  if (!long) return entries.map((e) => e.name);
  const rows = entries.map((e) => {
    const s = union.lstat(e.path);
    const name = s.type === "symlink" ? `${e.name} -> ${union.readlink(e.path)}` : e.name;
    return [modeString(s), String(s.nlink), String(s.uid), String(s.gid), String(s.size), timeString(s.mtimeNs), name];
  });
  return alignColumns(rows, new Set([1, 2, 3, 4]));
}
