/**
 * The aufs walk-through on layerfs (`npm start`).
 *
 * bbb/ is a read-only layer (file2, file3), aaa/ the writable layer on top
 * (file1, file2). demo.wasm, a small C program, runs on the merged view through
 * the `layerfs run` code path, one step at a time:
 *   edit    appends to /file1 and /file2 (both already in aaa/)
 *   modify  appends to /file3, which lives only in bbb/: copy-up into aaa/
 *   remove  deletes /file3: aaa/ gets the whiteout .wh.file3, bbb/ is untouched
 * After each step it prints the merged view and what is on disk in aaa/ and bbb/.
 * It works on a copy of the directories, so it can be rerun.
 */
import { cpSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { main } from "../../src/cli/main.ts";
import { openUnion } from "../../src/cli/open-union.ts";
import { nodeRuntime } from "../../src/cli/runtime-node.ts";
import type { CliRuntime } from "../../src/cli/runtime.ts";
import { WHITEOUT_PREFIX } from "../../src/core/layer.ts";

const HERE = dirname(fileURLToPath(import.meta.url));
const STEPS = [
  ["edit", "append a line to /file1 and /file2 (both in aaa/ already)"],
  ["modify", "append a line to /file3 (only in bbb/: copied up into aaa/ first)"],
  ["remove", "rm /file3 (aaa/ records a whiteout; bbb/ stays untouched)"],
] as const;

const bar = (title: string) => `\n━━ ${title} ${"━".repeat(Math.max(3, 70 - title.length))}\n`;

/** One file per row: name, then its content lines indented under a "│". */
function fileRows(files: [name: string, content: string | undefined, note?: string][]): string {
  if (files.length === 0) return "    (empty)\n";
  const width = Math.max(...files.map(([name]) => name.length));
  let out = "";
  for (const [name, content, note] of files) {
    const lines = content === undefined || content === "" ? [] : content.replace(/\n$/, "").split("\n");
    const first = note ?? lines.shift() ?? "";
    out += `    ${name.padEnd(width)}  │ ${first}\n`;
    for (const line of lines) out += `    ${"".padEnd(width)}  │ ${line}\n`;
  }
  return out;
}

/** Files of a host directory, whiteouts explained. */
function diskView(dir: string): string {
  const rows = readdirSync(dir).sort().map((name): [string, string | undefined, string?] => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return [name + "/", undefined, "(directory)"];
    if (name.startsWith(WHITEOUT_PREFIX)) {
      return [name, undefined, `(empty whiteout: hides ${name.slice(WHITEOUT_PREFIX.length)} of the layers below)`];
    }
    return [name, readFileSync(path, "utf8")];
  });
  return fileRows(rows);
}

/** The merged view, read through the union the way the program sees it. */
function mergedView(rt: CliRuntime, aaa: string, bbb: string): string {
  const union = openUnion(rt, { layer: [bbb], upper: aaa });
  const rows = union.readdir("/").map((name): [string, string | undefined, string?] =>
    union.stat("/" + name).type === "dir" ? [name + "/", undefined, "(directory)"] : [name, union.readFile("/" + name, "utf8")]
  );
  return fileRows(rows);
}

async function demo(): Promise<number> {
  const work = mkdtempSync(join(tmpdir(), "layerfs-aufs-demo-"));
  try {
    cpSync(join(HERE, "aaa"), join(work, "aaa"), { recursive: true });
    cpSync(join(HERE, "bbb"), join(work, "bbb"), { recursive: true });
    const aaa = join(work, "aaa");
    const bbb = join(work, "bbb");
    const rt = nodeRuntime();
    const out = (s: string) => process.stdout.write(s);
    // Paths relative to the work dir keep the printed commands short.
    const rel = (p: string) => p.slice(work.length + 1);
    const wasm = join(HERE, "demo.wasm");
    const layers = ["--layer", bbb, "--upper", aaa];
    const shown = (args: string[]) => args.map((a) => (a.startsWith(work) ? rel(a) : a === wasm ? "demo.wasm" : a)).join(" ");

    out("layerfs aufs demo: bbb/ (read-only layer) under aaa/ (writable layer)\n");
    out(`(on a copy of examples/aufs-demo/aaa and bbb in ${work}, removed at the end)\n`);
    const show = () => {
      out("\n  merged view (what the program sees in /):\n" + mergedView(rt, aaa, bbb));
      out("\n  aaa/ on disk (writable layer):\n" + diskView(aaa));
      out("\n  bbb/ on disk (read-only layer):\n" + diskView(bbb));
    };
    out(bar("before"));
    show();

    for (const [i, [step, what]] of STEPS.entries()) {
      out(bar(`step ${i + 1}: ${step}: ${what}`));
      const args = ["run", ...layers, "--", wasm, step];
      out(`\n  $ layerfs ${shown(args)}\n`);
      const status = await main(args, indentedProgramOutput(rt));
      out(`  (exit status ${status})\n`);
      if (status !== 0) return status;
      show();
      const diffArgs = ["diff", ...layers];
      out(`\n  $ layerfs ${shown(diffArgs)}\n`);
      await main(diffArgs, { ...rt, stdout: (d) => out(indent(String(d))) });
    }
    out("\nDone: bbb/ never changed; aaa/ holds exactly the changes (file3 copied up, then whited out).\n");
    return 0;
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

function indent(text: string): string {
  return text.replace(/^(?=.)/gm, "    ");
}

/** The runtime with the program's stdout/stderr indented under the command line. */
function indentedProgramOutput(rt: CliRuntime): CliRuntime {
  return {
    ...rt,
    programStdio: {
      stdout: lineIndenter((s) => process.stdout.write(s)),
      stderr: lineIndenter((s) => process.stderr.write(s)),
    },
  };
}

/** A byte sink that indents every line, whatever chunks the program writes in. */
function lineIndenter(write: (text: string) => void): (data: Uint8Array) => void {
  const decoder = new TextDecoder();
  let atLineStart = true;
  return (data) => {
    let text = decoder.decode(data, { stream: true });
    if (text === "") return;
    if (atLineStart) text = "    " + text;
    atLineStart = text.endsWith("\n");
    write(text.replace(/\n(?=.)/g, "\n    "));
  };
}

process.exitCode = await demo();
