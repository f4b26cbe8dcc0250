/** `layerfs cat`: print files of the merged view. */
import { LAYER_OPTIONS, parseCommand } from "../args.ts";
import { UsageError } from "../errors.ts";
import { help } from "../help.ts";
import { withCliUnion } from "../image-source.ts";
import type { CliRuntime } from "../runtime.ts";

export async function catCommand(args: string[], rt: CliRuntime): Promise<number> {
  const { values, positionals } = parseCommand("cat", args, LAYER_OPTIONS);
  if (values.help) return help(rt, "cat");
  if (positionals.length === 0) throw new UsageError("missing PATH", "cat");
  await withCliUnion(rt, values, (union) => {
    for (const path of positionals) rt.stdout(union.readFile(path));
  });
  return 0;
}
