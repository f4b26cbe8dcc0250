/** `layerfs export`: the flattened merged tree as one tar (a file, or stdout with `-o -`). */
import { exportTar } from "../../oci/commit-layer.ts";
import { writeHostStream } from "../../host/image-output.ts";
import { LAYER_OPTIONS, parseCommand } from "../args.ts";
import { CliError, UsageError } from "../errors.ts";
import { help } from "../help.ts";
import { openCliUnion } from "../image-source.ts";
import type { CliRuntime } from "../runtime.ts";

const OPTIONS = { ...LAYER_OPTIONS, output: { type: "string", short: "o" } } as const;

export async function exportCommand(args: string[], rt: CliRuntime): Promise<number> {
  const { values, positionals } = parseCommand("export", args, OPTIONS);
  if (values.help) return help(rt, "export");
  if (positionals.length > 0) throw new UsageError(`unexpected argument '${positionals[0]}'`, "export");
  const out = values.output;
  if (out === undefined) throw new UsageError("-o OUT.tar is required", "export");
  if (out !== "-" && rt.kind(out) !== undefined) throw new CliError(`${out}: already exists (layerfs export never overwrites)`);
  const opened = await openCliUnion(rt, values);
  try {
    const tar = exportTar(opened.union);
    if (out === "-") {
      const reader = tar.getReader();
      for (;;) {
        const r = await reader.read();
        if (r.done) break;
        rt.stdout(r.value);
      }
    } else {
      const bytes = await writeHostStream(out, tar);
      rt.stderr(`wrote ${out} (${bytes} bytes)\n`);
    }
  } finally {
    opened.close();
  }
  return 0;
}
