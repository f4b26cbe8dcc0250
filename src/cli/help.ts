/** Help texts, one per command (shown by `--help`, also as `layerfs help CMD`). */

const LAYER_HELP = `Layer options:
  --image IMAGE   an OCI image as the bottom layers: a layout directory DIR[:TAG], an OCI
                  archive FILE.tar[:TAG] or a docker save archive FILE.tar[:REPO:TAG]
  --layer PATH    a read-only layer above the image: a host directory, or a layer tarball
                  (.tar, .tar.gz, .tar.zst; told by content); repeat it, bottom layer first
  --upper DIR     a host directory as the writable layer (aufs/OCI form: .wh.NAME whiteouts)
  --cache DIR     where decompressed layers are kept (default $LAYERFS_CACHE,
                  $XDG_CACHE_HOME/layerfs or ~/.cache/layerfs)`;

export const HELP: Record<string, string> = {
  main: `layerfs: a layered copy-on-write root filesystem for WebAssembly (WASI) programs

Usage: layerfs COMMAND [OPTIONS]

Commands:
  run     run a WASI program on a layered root filesystem
  diff    list what the upper layer changed (A added, C changed, D deleted)
  ls      list a directory of the merged view
  cat     print files of the merged view
  tree    print the merged view as a tree
  export  write the merged view as one tar
  commit  write a new image: the image plus the upper as one more layer

Options:
  -h, --help      show help (also: layerfs COMMAND --help)
  -V, --version   show the version

Example (the aufs walk-through: bbb/ read-only, aaa/ writable):
  layerfs run --layer bbb --upper aaa -- demo.wasm remove
  layerfs diff --layer bbb --upper aaa

Example (an OCI image):
  layerfs run --image hello-oci:v1 --upper changes
  layerfs commit --image hello-oci:v1 --upper changes -o hello-oci-2 --tag v2
`,
  run: `Usage: layerfs run [OPTIONS] [--] PROGRAM.wasm [ARGS...]
       layerfs run --image IMAGE [OPTIONS] [-- PROGRAM [ARGS...]]

Run a WASI (preview1) program with the merged layers as its root directory "/".
With --image and no PROGRAM it runs the image's Entrypoint + Cmd with its Env and
WorkingDir; a PROGRAM given then is a path inside the image (looked up in the
image's PATH when it has no "/"), never a host file.
Without --upper the writable layer lives in memory and is discarded at exit.
Without --image, --layer, --upper or --scratch the program gets no "/" at all (only
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
  --quota-bytes N    limit what the program stores in the writable layer (N bytes, or
                     64K, 64M, 1G: binary units); past it a write or create fails whole
                     with ENOSPC. Counts what is stored (a memory upper: its chunks)
  --quota-inodes N   limit the objects it creates there (files, directories, symlinks,
                     whiteouts; 1000 or 10k); past it ENOSPC
  -h, --help         show this help

Example:
  layerfs run --layer base --upper changes --env HOME=/root -- prog.wasm arg1
`,
  diff: `Usage: layerfs diff [--image IMAGE] [--layer PATH]... --upper DIR

List the changes the upper layer makes to the layers below, like docker diff:
  A /path   added
  C /path   changed (content, attributes, or a directory with changes inside)
  D /path   deleted (a whiteout)

${LAYER_HELP}

Options:
  -h, --help      show this help
`,
  ls: `Usage: layerfs ls [--image IMAGE] [--layer PATH]... [--upper DIR] [-l] [PATH...]

List directories of the merged view (default "/"), sorted by name.

${LAYER_HELP}

Options:
  -l, --long      long format: type and mode, links, owner, size, mtime (UTC), name
  -h, --help      show this help
`,
  cat: `Usage: layerfs cat [--image IMAGE] [--layer PATH]... [--upper DIR] PATH...

Print the contents of files in the merged view.

${LAYER_HELP}

Options:
  -h, --help      show this help
`,
  export: `Usage: layerfs export [--image IMAGE] [--layer PATH]... [--upper DIR] -o OUT.tar

Write the merged view, flattened (no whiteouts), as one tar: sorted, each entry
with its own mode, owner and mtime, hard links as links. "-o -" writes to stdout.
OUT.tar must not exist.

${LAYER_HELP}

Options:
  -o, --output OUT.tar  where to write
  -h, --help            show this help
`,
  commit: `Usage: layerfs commit --image IMAGE --upper DIR -o OUT [--tag T] [--gzip|--zstd] [-m MSG]

Write a new image in the input's format (OCI layout directory, OCI archive or
docker archive) with the upper's changes appended as one OCI layer (whiteouts and
opaque markers in OCI form); the config's rootfs.diff_ids, history and created are
updated. Existing layers are copied as stored. Prints the new digests. OUT must
not exist.

${LAYER_HELP}

Options:
  -o, --output OUT   the new image (a directory for layouts, a file for archives)
  --tag T            its tag (OCI ref name; docker REPO:TAG), default the input's
  --gzip             gzip the new layer (default: uncompressed)
  --zstd             zstd: not supported yet (no streaming encoder for every runtime)
  -m, --message MSG  history comment
  -h, --help         show this help
`,
  tree: `Usage: layerfs tree [--image IMAGE] [--layer PATH]... [--upper DIR] [PATH]

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
