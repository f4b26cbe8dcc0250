/** `layerfs cat`: print files of the merged view. */
import { LAYER_OPTIONS, parseCommand } from "../args.ts";
import { UsageError } from "../errors.ts";
import { help } from "../help.ts";
import { openUnion } from "../open-union.ts";
import type { CliRuntime } from "../runtime.ts";

export function catCommand(args: string[], rt: CliRuntime): number {
  const { values, positionals } = parseCommand("cat", args, LAYER_OPTIONS);
  if (values.help) return help(rt, "cat");
  if (positionals.length === 0) throw new UsageError("missing PATH", "cat");
  const union = openUnion(rt, values);
  for (const path of positionals) rt.stdout(union.readFile(path));
  return 0;
}
