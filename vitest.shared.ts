// Which test files run in which runtime (shared by the three vitest configs).
//
//   test/{core,layers,wasi,support,third-party,oci}/**/*.test.ts
//                                  portable: Node, Deno and Chromium
//   **/*.node.test.ts              Node only
//   **/*.deno.test.ts              Deno only
//   **/*.browser.test.ts           Chromium only
//   test/host/**/*.test.ts         Node; also Deno when the file mentions `Deno`
//   everything else under test/    Node only
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";

export const PORTABLE_DIRS = ["core", "layers", "wasi", "support", "third-party", "oci"];
export const PORTABLE = PORTABLE_DIRS.map((d) => `test/${d}/**/*.test.ts`);
export const ONLY_NODE = "**/*.node.test.ts";
export const ONLY_DENO = "**/*.deno.test.ts";
export const ONLY_BROWSER = "**/*.browser.test.ts";
export const ALWAYS_EXCLUDED = ["**/node_modules/**", "**/dist/**", "**/.git/**"];

/** test/host files (relative paths) whose source refers to Deno: they run in the Deno pass too. */
export function hostFilesMentioningDeno(root: string): string[] {
  const out: string[] = [];
  const walk = (rel: string): void => {
    let entries;
    try {
      entries = readdirSync(join(root, rel), { withFileTypes: true });
    } catch {
      return; // test/host does not exist (yet)
    }
    for (const e of entries) {
      const child = `${rel}/${e.name}`;
      if (e.isDirectory()) walk(child);
      else if (e.name.endsWith(".test.ts") && /\bDeno\b/.test(readFileSync(join(root, child), "utf8"))) out.push(child);
    }
  };
  walk("test/host");
  return out;
}

/** vitest's default is cores - 1 (one worker on CI's 2 cores); many tests wait on
 *  subprocesses (kernel oracle, CLI), so two workers finish the Node pass sooner. */
export const WORKERS = { maxWorkers: 2 };

/** Generous defaults: wasm programs in a browser or under Deno are slower than in Node. */
export const TIMEOUTS = { testTimeout: 30_000, hookTimeout: 60_000 };

/** Visible to tests through env("LAYERFS_TEST_MARKER") (not in browsers: no environment there). */
export const TEST_ENV = { LAYERFS_TEST_MARKER: "from-vitest-config" };
