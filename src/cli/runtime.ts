/**
 * What the CLI needs from its host runtime, so the commands stay the same in
 * Node and Deno (and in-process tests can capture everything).
 */
import type { Layer, WritableLayer } from "../core/layer.ts";
import type { RunOptions } from "../wasi/run.ts";
import type { ByteSource } from "../sources/byte-source.ts";

/** Where a program's stdio goes (run()'s options); absent fields mean "the process's own". */
export type ProgramStdio = Pick<RunOptions, "stdin" | "stdout" | "stderr">;

export type HostKind = "dir" | "file" | "other";

export interface CliRuntime {
  /** "node" or "deno": shown in --version. */
  readonly name: string;
  /** Write CLI output (text or bytes) to stdout / stderr. */
  stdout(data: string | Uint8Array): void;
  stderr(data: string | Uint8Array): void;
  /** stdio handed to a wasm program run by `layerfs run`. */
  readonly programStdio: ProgramStdio;
  /**
   * Canonical absolute host path of `path` (relative to the process's cwd):
   * symlinks resolved as far as the path exists, so two spellings of one
   * directory (an alias symlink) compare equal in the overlap checks.
   */
  resolve(path: string): string;
  /** What is at a host path (following symlinks), or undefined if nothing. */
  kind(path: string): HostKind | undefined;
  readFile(path: string): Uint8Array;
  /** mkdir -p */
  mkdirp(path: string): void;
  /** A host directory as a read-only lower layer. */
  lowerLayer(path: string): Layer;
  /**
   * A host directory as a writable layer. `lock` (default true): hold the
   * layer's lock while open (a second opener fails with LayerInUseError).
   */
  upperLayer(path: string, lock?: boolean): WritableLayer;
  /** A host file read by pread (image archives, layer tarballs, the layer cache). */
  fileSource(path: string): ByteSource;
  /** Is stderr a terminal (progress bars only then)? */
  readonly stderrIsTTY: boolean;
}

/** A runtime bound to a real process: its argv and its exit. */
export interface ProcessRuntime extends CliRuntime {
  /** Command-line arguments after the script (process.argv.slice(2) / Deno.args). */
  args(): string[];
  /** Set the process exit status and finish (lets buffered output drain where it can). */
  exit(code: number): void;
}
