// Chromium pass: the portable dirs and *.browser.test.ts files run in headless Debian
// Chromium through playwright-core (no downloaded browser). Override the binary with
// LAYERFS_CHROMIUM=/path/to/chromium.
import { playwright } from "@vitest/browser-playwright";
import { defineConfig } from "vitest/config";
import { ALWAYS_EXCLUDED, ONLY_BROWSER, ONLY_DENO, ONLY_NODE, PORTABLE, TIMEOUTS } from "./vitest.shared.ts";

export const CHROMIUM = process.env.LAYERFS_CHROMIUM ?? "/usr/bin/chromium";
export const CHROMIUM_FLAGS = [
  "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
  "--disable-background-networking", "--disable-component-update", "--disable-sync",
];

export default defineConfig({
  // Cross-origin isolation, so pages and their workers have SharedArrayBuffer
  // (test/layers/shared-image.test.ts shares one image across Web Workers).
  server: { headers: { "Cross-Origin-Opener-Policy": "same-origin", "Cross-Origin-Embedder-Policy": "require-corp" } },
  // Pre-bundle browser deps up front: discovering them mid-run makes vite reload the page.
  optimizeDeps: { include: ["@bjorn3/browser_wasi_shim", "@ruby/wasm-wasi", "@ruby/wasm-wasi/dist/browser", "fast-check"] },
  test: {
    name: "browser",
    include: [...PORTABLE, ONLY_BROWSER],
    exclude: [...ALWAYS_EXCLUDED, ONLY_NODE, ONLY_DENO],
    provide: { expectedRuntime: "browser" },
    ...TIMEOUTS,
    browser: {
      enabled: true,
      headless: true,
      screenshotFailures: false,
      provider: playwright({
        launchOptions: { executablePath: CHROMIUM, args: CHROMIUM_FLAGS },
      }),
      instances: [{ browser: "chromium" }],
    },
  },
});
