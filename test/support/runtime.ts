// Which JavaScript runtime a test is running in, and its environment variables.
// Portable tests (test/core, test/layers, test/wasi) run in Node, Deno and Chromium,
// so nothing here may import node:* statically.

export type Runtime = "node" | "deno" | "browser";

interface DenoLike {
  version?: { deno?: string };
  env?: { get(name: string): string | undefined };
}

interface ProcessLike {
  versions?: { node?: string };
  env?: Record<string, string | undefined>;
}

function deno(): DenoLike | undefined {
  return (globalThis as { Deno?: DenoLike }).Deno;
}

function nodeProcess(): ProcessLike | undefined {
  return (globalThis as { process?: ProcessLike }).process;
}

/** "deno" when globalThis.Deno exists (checked first: Deno also defines `process`),
 *  "browser" when there is a DOM, otherwise "node". */
export function runtime(): Runtime {
  if (typeof deno()?.version?.deno === "string") return "deno";
  const g = globalThis as { window?: unknown; document?: unknown };
  if (typeof g.window !== "undefined" && typeof g.document !== "undefined") return "browser";
  if (typeof nodeProcess()?.versions?.node === "string") return "node";
  return "browser";
}

/** An environment variable: process.env in Node, Deno.env in Deno (undefined if the
 *  permission is missing), always undefined in browsers (no environment there). */
export function env(name: string): string | undefined {
  switch (runtime()) {
    case "deno":
      try {
        return deno()?.env?.get(name);
      } catch {
        return undefined; // --allow-env not granted
      }
    case "node":
      return nodeProcess()?.env?.[name];
    default:
      return undefined;
  }
}
