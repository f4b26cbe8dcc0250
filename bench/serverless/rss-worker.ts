/** RSS benchmark worker: mount the image (shared, or a private copy of its bytes), read every file through a Union, report. */
import { parentPort } from "node:worker_threads";
import { Image, imageFromShared, MemoryLayer, MemorySource, TarIndex, TarLayer, Union } from "../../src/mod.ts";
import type { SharedImage, SharedTarLayer } from "../../src/mod.ts";

parentPort!.on("message", ({ image: shared, copy }: { image: SharedImage; copy: boolean }) => {
  let image: Image;
  if (copy) {
    // The peer: this worker holds its own copy of the tar, as without sharing.
    const l = shared.layers[0] as SharedTarLayer;
    image = new Image([new TarLayer(new MemorySource(new Uint8Array(l.tar)), { index: TarIndex.fromBytes(l.index.slice()) })]);
  } else image = imageFromShared(shared);
  const union = new Union(image, new MemoryLayer());
  const buf = new Uint8Array(1 << 16);
  let bytes = 0;
  let sum = 0;
  const stack = ["/"];
  while (stack.length > 0) {
    const dir = stack.pop()!;
    for (const name of union.readdir(dir)) {
      const p = dir === "/" ? `/${name}` : `${dir}/${name}`;
      const st = union.stat(p);
      if (st.type === "dir") {
        stack.push(p);
        continue;
      }
      const f = union.open(p);
      for (let pos = 0, n; (n = f.read(buf, pos)) > 0; pos += n) {
        bytes += n;
        sum = (sum + buf[0]! + buf[n - 1]!) | 0;
      }
      f.close();
    }
  }
  union.close();
  parentPort!.postMessage({ bytes, sum });
});
