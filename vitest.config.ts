// Node pass (the default for `npx vitest run test/<area>`): every test file except
// those meant only for Deno or Chromium. See vitest.shared.ts for the file layout.
import { defineConfig } from "vitest/config";
import { ALWAYS_EXCLUDED, ONLY_BROWSER, ONLY_DENO, TEST_ENV, TIMEOUTS, WORKERS } from "./vitest.shared.ts";

export default defineConfig({
  test: {
    name: "node",
    include: ["test/**/*.test.ts"],
    exclude: [...ALWAYS_EXCLUDED, ONLY_DENO, ONLY_BROWSER],
    env: TEST_ENV,
    provide: { expectedRuntime: "node" },
    ...TIMEOUTS,
    ...WORKERS,
  },
});
