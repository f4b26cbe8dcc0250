/**
 * Committed images onto the host filesystem (Node and Deno, both through
 * node:fs): an OCI layout directory or an archive file, written beside the
 * destination under a temporary name and renamed into place only when
 * complete (a failed commit leaves nothing). The new layer is spooled to a
 * temporary file (its size must be known before an archive can hold it).
 */
import { closeSync, mkdirSync, openSync, renameSync, rmSync, writeSync, existsSync, unlinkSync } from "node:fs";
import { open as openAsync } from "node:fs/promises";
import { dirname, join } from "node:path";
import process from "node:process";
import type { Union } from "../core/union.ts";
import { archiveOutput, commitImage } from "../oci/commit-image.ts";
import type { CommitImageOptions, CommitImageResult, ImageOutput, LayerSpool } from "../oci/commit-image.ts";
import { Errno, FsError } from "../core/errno.ts";
import type { LoadedImage } from "../oci/load.ts";
import { nodeHasher } from "./image-host.ts";

const CHUNK = 1 << 20;

function tempName(path: string): string {
  return join(dirname(path), `.${path.slice(path.lastIndexOf("/") + 1)}.layerfs-${process.pid}-${Math.random().toString(36).slice(2)}`);
}

/** A spool file at `path` (removed by dispose). */
function fileSpool(path: string): LayerSpool {
  const fd = openSync(path, "wx", 0o600);
  let open = true;
  return {
    write(chunk) {
      for (let at = 0; at < chunk.length; ) at += writeSync(fd, chunk, at, chunk.length - at);
    },
    open() {
      if (open) {
        closeSync(fd);
        open = false;
      }
      return fileStream(path);
    },
    dispose() {
      if (open) closeSync(fd);
      open = false;
      rmSync(path, { force: true });
    },
  };
}

/** A host file's bytes as a stream. */
function fileStream(path: string): ReadableStream<Uint8Array> {
  let fh: Awaited<ReturnType<typeof openAsync>> | undefined;
  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      fh ??= await openAsync(path, "r");
      const buf = new Uint8Array(CHUNK);
      const { bytesRead } = await fh.read(buf, 0, CHUNK, null);
      if (bytesRead === 0) {
        await fh.close();
        controller.close();
      } else controller.enqueue(bytesRead === CHUNK ? buf : buf.subarray(0, bytesRead));
    },
    async cancel() {
      await fh?.close();
    },
  });
}

/** A host file as a WritableStream. */
function fileSink(path: string): WritableStream<Uint8Array> {
  const fd = openSync(path, "wx", 0o644);
  let closed = false;
  const close = (): void => {
    if (!closed) closeSync(fd);
    closed = true;
  };
  return new WritableStream<Uint8Array>({
    write(chunk) {
      for (let at = 0; at < chunk.length; ) at += writeSync(fd, chunk, at, chunk.length - at);
    },
    close,
    abort: close,
  });
}

/** An OCI layout directory at `dir` (which must not exist yet). */
export function layoutDirOutput(dir: string): ImageOutput {
  const tmp = tempName(dir);
  mkdirSync(tmp, { recursive: false });
  return {
    kind: "dir",
    spool: () => fileSpool(join(tmp, ".layer-spool")),
    async put(path, data, size) {
      const full = join(tmp, path);
      mkdirSync(dirname(full), { recursive: true });
      if (existsSync(full)) {
        // The same blob twice (content-addressed): already there.
        if (data instanceof ReadableStream) await data.cancel();
        return;
      }
      const n = await pipeToFile(data instanceof Uint8Array ? new Blob([data as Uint8Array<ArrayBuffer>]).stream() : data, full);
      if (n !== size) throw new Error(`${path}: wrote ${n} bytes, expected ${size}`);
    },
    async finish() {
      renameSync(tmp, dir);
    },
    async abort() {
      rmSync(tmp, { recursive: true, force: true });
    },
  };
}

/** An image archive file at `file` (which must not exist yet). */
export function archiveFileOutput(file: string): ImageOutput {
  const tmp = tempName(file);
  const spoolPath = `${tmp}.spool`;
  return archiveOutput(fileSink(tmp), () => fileSpool(spoolPath), () => renameSync(tmp, file), () => {
    try {
      unlinkSync(tmp);
    } catch {
      // never created or already gone
    }
  });
}

/**
 * Commit `union`'s upper on top of `loaded` as a new image at `out`, in the
 * loaded image's format (layout directory, OCI archive or docker archive).
 * `out` must not exist: nothing is ever overwritten.
 */
export async function commitHostImage(loaded: LoadedImage, union: Union, out: string, options: CommitImageOptions = {}): Promise<CommitImageResult> {
  if (existsSync(out)) throw new FsError(Errno.EXIST, "commit", out, "the output already exists (never overwritten)");
  const output = loaded.format === "oci-layout" ? layoutDirOutput(out) : archiveFileOutput(out);
  return commitImage(loaded, union, output, { hasher: nodeHasher, ...options });
}

/** Write a stream to a new host file (temporary name, renamed when complete); returns the byte count. */
export async function writeHostStream(path: string, stream: ReadableStream<Uint8Array>): Promise<number> {
  const tmp = tempName(path);
  try {
    const n = await pipeToFile(stream, tmp);
    renameSync(tmp, path);
    return n;
  } catch (e) {
    rmSync(tmp, { force: true });
    throw e;
  }
}

/** Write a stream into a new file; returns the byte count. */
async function pipeToFile(stream: ReadableStream<Uint8Array>, path: string): Promise<number> {
  let n = 0;
  await stream.pipeThrough(new TransformStream<Uint8Array, Uint8Array>({ transform: (c, ctl) => { n += c.length; ctl.enqueue(c); } })).pipeTo(fileSink(path));
  return n;
}
