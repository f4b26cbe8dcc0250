/** `layerfs commit`: a new image = the input image + the upper as one more layer, in the input's format. */
import { commitHostImage } from "../../host/image-output.ts";
import { LAYER_OPTIONS, parseCommand } from "../args.ts";
import { CliError, UsageError } from "../errors.ts";
import { help } from "../help.ts";
import { openCliUnion } from "../image-source.ts";
import { progressBar } from "../progress.ts";
import type { CliRuntime } from "../runtime.ts";

const OPTIONS = {
  ...LAYER_OPTIONS,
  output: { type: "string", short: "o" },
  tag: { type: "string" },
  gzip: { type: "boolean" },
  zstd: { type: "boolean" },
  message: { type: "string", short: "m" },
} as const;

export async function commitCommand(args: string[], rt: CliRuntime): Promise<number> {
  const { values, positionals } = parseCommand("commit", args, OPTIONS);
  if (values.help) return help(rt, "commit");
  if (positionals.length > 0) throw new UsageError(`unexpected argument '${positionals[0]}'`, "commit");
  if (values.image === undefined) throw new UsageError("--image IMAGE is required", "commit");
  if (values.upper === undefined) throw new UsageError("--upper DIR is required", "commit");
  if (values.output === undefined) throw new UsageError("-o OUT is required", "commit");
  if (values.layer !== undefined) throw new UsageError("--layer cannot be committed (only the upper becomes the new layer)", "commit");
  if (values.gzip && values.zstd) throw new UsageError("--gzip and --zstd are exclusive", "commit");
  if (values.zstd) throw new UsageError("--zstd: writing zstd layers is not supported (no streaming zstd encoder that runs in Node, Deno and browsers); use --gzip", "commit");
  if (rt.kind(values.output) !== undefined) throw new CliError(`${values.output}: already exists (layerfs commit never overwrites; remove it or pick another -o)`);
  const opened = await openCliUnion(rt, values);
  const bar = await progressBar(rt, values.output);
  try {
    const r = await commitHostImage(opened.loaded!, opened.union, values.output, {
      onProgress: (p) => bar.update("copying layers", p.done, p.total),
      compression: values.gzip ? "gzip" : "none",
      ...(values.tag !== undefined ? { tag: values.tag } : {}),
      ...(values.message !== undefined ? { comment: values.message } : {}),
    });
    const lines = [
      `layer     ${r.layer.digest}  ${r.layer.size} bytes  ${r.layer.mediaType}`,
      `diff_id   ${r.layer.diffID}`,
      `config    ${r.config.digest}`,
      `manifest  ${r.manifest.digest}`,
      ...(r.index !== undefined ? [`index     ${r.index.digest}`] : []),
      `wrote ${values.output} (${r.format}${r.tag !== undefined ? `, tag ${r.tag}` : ""})`,
    ];
    bar.stop();
    rt.stdout(lines.join("\n") + "\n");
  } finally {
    bar.stop();
    opened.close();
  }
  return 0;
}
