/** Help texts, one per command (shown by `--help`, also as `layerfs help CMD`). */

const LAYER_HELP = `Layer options:
  --layer PATH    a host directory as a read-only layer; repeat it, bottom layer first
  --upper DIR     a host directory as the writable layer (aufs/OCI form: .wh.NAME whiteouts)`;

export const HELP: Record<string, string> = {
  main: `layerfs: a layered copy-on-write root filesystem for WebAssembly (WASI) programs

Usage: layerfs COMMAND [OPTIONS]

Commands:
  run     run a WASI program on a layered root filesystem
  diff    list what the upper layer changed (A added, C changed, D deleted)
  ls      list a directory of the merged view
  cat     print files of the merged view
  tree    print the merged view as a tree

Options:
  -h, --help      show help (also: layerfs COMMAND --help)
  -V, --version   show the version

Example (the aufs walk-through: bbb/ read-only, aaa/ writable):
  layerfs run --layer bbb --upper aaa -- demo.wasm remove
  layerfs diff --layer bbb --upper aaa
`,
  run: `Usage: layerfs run [OPTIONS] [--] PROGRAM.wasm [ARGS...]

Run a WASI (preview1) program with the merged layers as its root directory "/".
Without --upper the writable layer lives in memory and is discarded at exit.
Without --layer, --upper or --scratch the program gets no "/" at all (only
its --dir directories), as with wasmtime.
stdin, stdout and stderr pass through; the exit status is the program's.
Everything from PROGRAM.wasm on (or after "--") goes to the program.

${LAYER_HELP}
  --scratch       an empty in-memory root "/" (discarded at exit), instead of layers

Options:
  --env NAME=VALUE   set an environment variable; the program gets exactly these (repeatable)
  --cwd DIR          the program's working directory in the union, passed as PWD (no PWD
                     without it; programs built with wasi-libc start at / whatever PWD says)
  --dir GUEST=HOST   also give the program host directory HOST at GUEST (repeatable)
  --allow-absolute-symlinks
                     let the program create symlinks with an absolute target (container
                     style; resolved inside the union). Default: EPERM, as in WASI runtimes
  -h, --help         show this help

Example:
  layerfs run --layer base --upper changes --env HOME=/root -- prog.wasm arg1
`,
  diff: `Usage: layerfs diff [--layer PATH]... --upper DIR

List the changes the upper layer makes to the layers below, like docker diff:
  A /path   added
  C /path   changed (content, attributes, or a directory with changes inside)
  D /path   deleted (a whiteout)

${LAYER_HELP}

Options:
  -h, --help      show this help
`,
  ls: `Usage: layerfs ls [--layer PATH]... [--upper DIR] [-l] [PATH...]

List directories of the merged view (default "/"), sorted by name.

${LAYER_HELP}

Options:
  -l, --long      long format: type and mode, links, owner, size, mtime (UTC), name
  -h, --help      show this help
`,
  cat: `Usage: layerfs cat [--layer PATH]... [--upper DIR] PATH...

Print the contents of files in the merged view.

${LAYER_HELP}

Options:
  -h, --help      show this help
`,
  tree: `Usage: layerfs tree [--layer PATH]... [--upper DIR] [PATH]

Print the merged view (from PATH, default "/") as a tree.

${LAYER_HELP}

Options:
  -h, --help      show this help
`,
};

/** Print a command's help to stdout; returns exit status 0. */
export function help(rt: { stdout(text: string): void }, command: string): number {
  rt.stdout(HELP[command] ?? HELP.main!);
  return 0;
}
