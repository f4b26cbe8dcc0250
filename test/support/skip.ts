// The skip pattern: a test that needs something optional skips with a printed reason.
//
//   import { onlyIn, skipReason } from "../support/index.ts";
//   it.skipIf(skipReason(onlyIn("node", "deno")))("reads a host directory", () => { ... });
//   describe.skipIf(skipReason(hasMount ? undefined : "overlay mounts are not allowed here"))(...)
//
// skipReason(why) prints "skip: <why>" once per reason and returns true when `why` is a
// non-empty string, false for undefined/""/false/null (run the test).
import { runtime, type Runtime } from "./runtime.ts";

const printed = new Set<string>();

export function skipReason(why: string | undefined | null | false): boolean {
  if (!why) return false;
  if (!printed.has(why)) {
    printed.add(why);
    console.log(`skip (${runtime()}): ${why}`);
  }
  return true;
}

/** A reason to skip unless the current runtime is one of `runtimes`, else undefined. */
export function onlyIn(...runtimes: Runtime[]): string | undefined {
  const here = runtime();
  return runtimes.includes(here) ? undefined : `runs only in ${runtimes.join("/")}, this is ${here}`;
}
