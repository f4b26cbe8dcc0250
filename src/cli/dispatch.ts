/**
 * The `layerfs` command: dispatch to one module per command, turn every error
 * into one `layerfs: ...` line and an exit status (2 usage, 1 failure).
 * main.ts runs it as a program (Deno: `deno run -A src/cli/main.ts ...`);
 * on Node, bin/layerfs.js runs the CommonJS bundle of this module
 * (scripts/cli-bundle.mjs), which is why it has no top-level await.
 */
import { errorLine, statusOf, UsageError } from "./errors.ts";
import { help } from "./help.ts";
import type { CliRuntime, ProcessRuntime } from "./runtime.ts";
import { VERSION } from "./version.ts";

type Command = (args: string[], rt: CliRuntime) => number | Promise<number>;

/** Commands load on use, so `ls` never loads the WASI machinery `run` needs. */
const COMMANDS: Record<string, () => Promise<Command>> = {
  run: async () => (await import("./commands/run.ts")).runCommand,
  diff: async () => (await import("./commands/diff.ts")).diffCommand,
  ls: async () => (await import("./commands/ls.ts")).lsCommand,
  cat: async () => (await import("./commands/cat.ts")).catCommand,
  tree: async () => (await import("./commands/tree.ts")).treeCommand,
  export: async () => (await import("./commands/export.ts")).exportCommand,
  commit: async () => (await import("./commands/commit.ts")).commitCommand,
};

/**
 * Run the CLI with `argv` (the arguments after `layerfs`) and return the exit
 * status. Never throws. `rt` defaults to the current process's runtime.
 */
export async function main(argv: string[], rt?: CliRuntime): Promise<number> {
  const runtime = rt ?? (await processRuntime());
  const [command, ...rest] = argv;
  try {
    if (command === undefined) throw new UsageError("missing command");
    if (command === "-h" || command === "--help") return help(runtime, "main");
    if (command === "help") return help(runtime, rest[0] !== undefined && Object.hasOwn(COMMANDS, rest[0]) ? rest[0] : "main");
    if (command === "-V" || command === "--version") {
      runtime.stdout(`layerfs ${VERSION} (${runtime.name})\n`);
      return 0;
    }
    const load = Object.hasOwn(COMMANDS, command) ? COMMANDS[command] : undefined;
    if (load === undefined) {
      throw new UsageError(command.startsWith("-") ? `unknown option '${command}'` : `unknown command '${command}'`);
    }
    return await (await load())(rest, runtime);
  } catch (e) {
    runtime.stderr(`layerfs: ${prefixOf(e, command)}${errorLine(e)}${hintOf(e)}\n`);
    return statusOf(e);
  }
}

function prefixOf(e: unknown, command: string | undefined): string {
  if (e instanceof UsageError) return e.command ? `${e.command}: ` : "";
  return command !== undefined && Object.hasOwn(COMMANDS, command) ? `${command}: ` : "";
}

function hintOf(e: unknown): string {
  if (!(e instanceof UsageError)) return "";
  return e.command ? ` (see 'layerfs ${e.command} --help')` : " (see 'layerfs --help')";
}

/** The runtime of the current process: Deno's APIs under Deno, node:* otherwise. */
export async function processRuntime(): Promise<ProcessRuntime> {
  if ("Deno" in globalThis) return (await import("./runtime-deno.ts")).denoRuntime();
  return (await import("./runtime-node.ts")).nodeRuntime();
}
