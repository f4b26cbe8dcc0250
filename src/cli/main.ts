/**
 * The `layerfs` program from source: `deno run -A src/cli/main.ts ...` (and
 * `node dist/src/cli/main.js`). The commands are in dispatch.ts; Node's
 * `layerfs` (bin/layerfs.js) runs a bundle of that module instead.
 */
import { main, processRuntime } from "./dispatch.ts";

export { main, processRuntime };

/**
 * Is this module the program's entry point? Deno (and Node >= 24) say so in
 * import.meta.main; on older Node compare the script path with this module.
 */
async function isEntryModule(meta: ImportMeta): Promise<boolean> {
  const flag = (meta as { main?: unknown }).main;
  if (typeof flag === "boolean") return flag;
  const script = (globalThis as { process?: { argv?: string[] } }).process?.argv?.[1];
  if (script === undefined) return false;
  const { realpathSync } = await import("node:fs");
  const { pathToFileURL } = await import("node:url");
  try {
    return pathToFileURL(realpathSync(script)).href === meta.url;
  } catch {
    return false;
  }
}

if (await isEntryModule(import.meta)) {
  const rt = await processRuntime();
  rt.exit(await main(rt.args(), rt));
}
