/** `layerfs diff`: the upper layer's changes as docker diff lines. */
import { LAYER_OPTIONS, parseCommand } from "../args.ts";
import { UsageError } from "../errors.ts";
import { help } from "../help.ts";
import { withCliUnion } from "../image-source.ts";
import type { CliRuntime } from "../runtime.ts";

export async function diffCommand(args: string[], rt: CliRuntime): Promise<number> {
  const { values, positionals } = parseCommand("diff", args, LAYER_OPTIONS);
  if (values.help) return help(rt, "diff");
  if (positionals.length > 0) throw new UsageError(`unexpected argument '${positionals[0]}'`, "diff");
  if (values.upper === undefined) throw new UsageError("--upper DIR is required", "diff");
  const lines = await withCliUnion(rt, values, (union) => union.changes().map((c) => `${c.kind} ${c.path}\n`));
  rt.stdout(lines.join(""));
  return 0;
}
