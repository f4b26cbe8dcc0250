/**
 * createShimWasi(): a browser_wasi_shim `WASI` whose root is a Union, with
 * the 0.4.2 fixes applied. The shim's WASI class is a parameter, so layerfs
 * itself never imports the shim at runtime (it stays a devDependency /
 * optional peer; users bring their own copy).
 *
 * @example
 * import { WASI } from "@bjorn3/browser_wasi_shim";
 * const wasi = createShimWasi(WASI, { union, args: ["ruby"], stdout: (b) => out.push(b) });
 * const { vm } = await RubyVM.instantiateModule({ module, wasip1: wasi });
 */
import type { Fd, WASI } from "@bjorn3/browser_wasi_shim";
import { Union } from "../../core/union.ts";
import { UnionPreopen } from "./dir-fd.ts";
import { fixShimWasi } from "./fix.ts";
import { BytesInputFd, CallbackOutputFd } from "./stdio.ts";

/** The shim's WASI constructor (or a subclass). */
export type ShimWasiConstructor<W extends WASI = WASI> = new (
  args: string[], env: string[], fds: Fd[], options?: { debug?: boolean },
) => W;

/** Options of `createShimWasi`. */
export interface ShimWasiOptions {
  /** The union the guest sees as "/" (fd 3). */
  union?: Union;
  /** argv including argv[0] (default ["main.wasm"]). */
  args?: readonly string[];
  /** The guest's whole environment (nothing is added except PWD from `cwd`; Go programs such as esbuild need PWD). */
  env?: Readonly<Record<string, string | undefined>> | readonly string[];
  /** Guest working directory, given as PWD (an absolute guest path). Without it no PWD is added. */
  cwd?: string;
  /** stdin bytes (default: empty). */
  stdin?: Uint8Array | string;
  /** Default: discard. */
  stdout?: (bytes: Uint8Array) => void;
  /** Default: discard. */
  stderr?: (bytes: Uint8Array) => void;
  /** More preopens after "/", by guest path: `{ "/data": union }` or `{ "/etc": { union, path: "/etc" } }`. */
  preopens?: Readonly<Record<string, Union | { union: Union; path?: string }>>;
  /**
   * Let path_symlink store absolute targets (container-style). Default false:
   * EPERM, as the WASI filesystem spec says; absolute links already in a layer
   * still resolve inside the union.
   */
  allowAbsoluteSymlinks?: boolean;
  /** Apply fixShimWasi (default true). */
  fix?: boolean;
  /** Passed to the shim (default false: 0.4.2 turns debug logging on when the options object is missing). */
  debug?: boolean;
}

function envList(env: ShimWasiOptions["env"], cwd: string | undefined): string[] {
  if (cwd !== undefined && !cwd.startsWith("/")) throw new TypeError(`cwd must be an absolute guest path, got ${cwd}`);
  if (Array.isArray(env)) {
    const list = [...(env as readonly string[])];
    return cwd === undefined ? list : [...list.filter((v) => !v.startsWith("PWD=")), `PWD=${cwd}`];
  }
  const e: Record<string, string | undefined> = { ...(env as Record<string, string | undefined> | undefined) };
  if (cwd !== undefined) e.PWD = cwd;
  return Object.entries(e).filter(([, v]) => v !== undefined).map(([k, v]) => `${k}=${v}`);
}

/**
 * A shim WASI instance over `options.union` (stdio on fds 0-2, "/" on fd 3, extra
 * preopens after; no union: no "/" preopen), with fixShimWasi applied.
 *
 * @example
 * import { WASI } from "@bjorn3/browser_wasi_shim";
 * const union = new Union(new Image([MemoryLayer.from({ "src/a.js": "..." })]), new MemoryLayer());
 * const wasi = createShimWasi(WASI, { union, args: ["esbuild", "/src/a.js", "--outfile=/out.js"] });
 * const code = wasi.start(await WebAssembly.instantiate(module, { wasi_snapshot_preview1: wasi.wasiImport }));
 * union.changes(); // [{ kind: "A", path: "/out.js" }]
 */
export function createShimWasi<W extends WASI>(WASIClass: ShimWasiConstructor<W>, options: ShimWasiOptions = {}): W {
  const stdin = typeof options.stdin === "string" ? new TextEncoder().encode(options.stdin) : options.stdin;
  const fds: Fd[] = [
    new BytesInputFd(stdin),
    new CallbackOutputFd(options.stdout ?? (() => {})),
    new CallbackOutputFd(options.stderr ?? (() => {})),
  ];
  const allowAbsoluteSymlinks = options.allowAbsoluteSymlinks === true;
  if (options.union !== undefined) fds.push(new UnionPreopen(options.union, "/", { allowAbsoluteSymlinks }));
  for (const [name, t] of Object.entries(options.preopens ?? {})) {
    const [union, path] = t instanceof Union ? [t, "/"] : [t.union, t.path ?? "/"];
    fds.push(new UnionPreopen(union, name, { path, allowAbsoluteSymlinks }));
  }
  const wasi = new WASIClass(
    [...(options.args ?? ["main.wasm"])], envList(options.env, options.cwd), fds,
    { debug: options.debug ?? false },
  );
  return options.fix === false ? wasi : fixShimWasi(wasi);
}
