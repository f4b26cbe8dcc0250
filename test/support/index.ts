// Portable test helpers (safe to import from tests that run in Node, Deno and Chromium).
export { env, runtime } from "./runtime.ts";
export type { Runtime } from "./runtime.ts";
export { loadFixtureBytes, loadFixtureText, packageFileUrl } from "./fixtures.ts";
export { onlyIn, skipReason } from "./skip.ts";
export { thrownErrno } from "./errno.ts";
