/** Bundle `${srcDir}/cli/dispatch.EXT` and `${srcDir}/host/code-cache.EXT` (EXT: js or ts) into `outDir` (scripts/cli-bundle.mjs). */
export function bundleCli(srcDir: string, outDir: string, ext?: "js" | "ts"): void;
