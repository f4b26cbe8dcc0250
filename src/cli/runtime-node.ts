/** The CLI's runtime on Node: process argv/stdio/exit, node:fs, DirLayers over NodeFs. */
import * as fs from "node:fs";
import * as path from "node:path";
import { dirLayer, NodeFileSource } from "../host/node.ts";
import type { HostKind, ProcessRuntime } from "./runtime.ts";

let pipeHandlersInstalled = false;

export function nodeRuntime(): ProcessRuntime {
  if (!pipeHandlersInstalled) {
    pipeHandlersInstalled = true;
    // A closed pipe (`layerfs cat big | head`) is a normal end, not a crash.
    for (const stream of [process.stdout, process.stderr]) {
      stream.on("error", (e: NodeJS.ErrnoException) => {
        process.exit(e.code === "EPIPE" ? (process.exitCode ?? 0) : 1);
      });
    }
  }
  return {
    name: `node ${process.versions.node}`,
    stdout: (data) => void process.stdout.write(data),
    stderr: (data) => void process.stderr.write(data),
    programStdio: {},
    resolve: (p) => canonicalPath(p),
    kind: (p) => hostKind(p),
    readFile: (p) => new Uint8Array(fs.readFileSync(p)),
    mkdirp: (p) => void fs.mkdirSync(p, { recursive: true }),
    lowerLayer: (p) => dirLayer(p),
    upperLayer: (p, lock = true) => dirLayer(p, { writable: true, lock }),
    fileSource: (p) => new NodeFileSource(p),
    stderrIsTTY: process.stderr.isTTY === true,
    args: () => process.argv.slice(2),
    exit: (code) => {
      // exitCode (not exit()) so piped output drains before the process ends.
      process.exitCode = code;
    },
  };
}

/** path.resolve, then realpath of the longest existing prefix (the rest may not exist yet). */
function canonicalPath(p: string): string {
  const abs = path.resolve(p);
  const tail: string[] = [];
  for (let head = abs; ; head = path.dirname(head)) {
    try {
      return path.join(fs.realpathSync(head), ...tail);
    } catch {
      if (path.dirname(head) === head) return abs;
      tail.unshift(path.basename(head));
    }
  }
}

function hostKind(p: string): HostKind | undefined {
  try {
    const s = fs.statSync(p);
    return s.isDirectory() ? "dir" : s.isFile() ? "file" : "other";
  } catch {
    return undefined;
  }
}
