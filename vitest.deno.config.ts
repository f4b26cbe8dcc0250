// Deno pass: vitest itself runs inside Deno, so tests see globalThis.Deno.
//   node_modules/.bin/deno run -A --node-modules-dir=manual npm:vitest@4.1.12 run --config vitest.deno.config.ts
// Covers the portable dirs, *.deno.test.ts files, and test/host files that mention Deno.
import { defineConfig } from "vitest/config";
import {
  ALWAYS_EXCLUDED, hostFilesMentioningDeno, ONLY_BROWSER, ONLY_DENO, ONLY_NODE, PORTABLE, TEST_ENV, TIMEOUTS, WORKERS,
} from "./vitest.shared.ts";

export default defineConfig({
  test: {
    name: "deno",
    include: [...PORTABLE, ONLY_DENO, ...hostFilesMentioningDeno(import.meta.dirname ?? ".")],
    exclude: [...ALWAYS_EXCLUDED, ONLY_NODE, ONLY_BROWSER],
    env: TEST_ENV,
    provide: { expectedRuntime: "deno" },
    ...TIMEOUTS,
    ...WORKERS,
  },
});
