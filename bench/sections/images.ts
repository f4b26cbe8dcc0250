/**
 * Issue 7 (OCI images): load time of a gzip layer next to `gzip -dc > /dev/null`
 * on the same blob (target ≤ 1.2×); cold (decompress + verify + cache) and warm
 * (cache hit) loadImage of a ~512 MiB image (warm target ≤ 50 ms); the
 * incremental hashers (hash-wasm vs node:crypto) on the same bytes; process
 * memory growth during a cold load (bounded: streamed to the file cache).
 */
import { spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import { closeSync, existsSync, mkdirSync, openSync, readFileSync, readSync, rmSync, statSync, writeFileSync, writeSync } from "node:fs";
import { loadImage, nodeHasher } from "../../src/host/node.ts";
import { wasmHasher } from "../../src/oci/digest.ts";
import type { HasherFactory } from "../../src/oci/digest.ts";
import type { Config } from "../lib/config.ts";
import { add, header } from "../lib/report.ts";
import { median, MiB, nowMs } from "../lib/stats.ts";

const enc = new TextEncoder();

/** A ustar header block for a regular file or directory. */
function header512(name: string, size: number, type: "0" | "5"): Uint8Array {
  const h = new Uint8Array(512);
  const put = (s: string, at: number) => h.set(enc.encode(s), at);
  put(name, 0);
  put((type === "5" ? "0000755" : "0000644") + "\0", 100);
  put("0000000\0", 108);
  put("0000000\0", 116);
  put(size.toString(8).padStart(11, "0") + "\0", 124);
  put("14000000000\0", 136);
  put("        ", 148);
  put(type, 156);
  put("ustar\0" + "00", 257);
  let sum = 0;
  for (const b of h) sum += b;
  put(sum.toString(8).padStart(6, "0") + "\0 ", 148);
  return h;
}

/** A layer tar of about `bytes`, files of ~256 KiB of half-compressible content (gzip ~2.5:1); streamed to `path`. */
function writeLayerTar(path: string, bytes: number): number {
  const fd = openSync(path, "w");
  const fileSize = 256 * 1024 - 100;
  const body = new Uint8Array(Math.ceil(fileSize / 512) * 512);
  let seed = 12345;
  let written = 0;
  const put = (b: Uint8Array): void => {
    writeSync(fd, b);
    written += b.length;
  };
  for (let i = 0; written < bytes; i++) {
    if (i % 100 === 0) put(header512(`usr/lib/d${i / 100}/`, 0, "5"));
    for (let j = 0; j < fileSize; j++) {
      seed = (seed * 1103515245 + 12345) >>> 0;
      // Runs of text-like bytes with random ones between: a realistic ratio, not all zeros.
      body[j] = j % 64 < 40 ? 97 + ((i + (j >> 6)) % 26) : seed >>> 24;
    }
    put(header512(`usr/lib/d${Math.floor(i / 100)}/f${i}.so`, fileSize, "0"));
    put(body);
  }
  put(new Uint8Array(1024));
  closeSync(fd);
  return written;
}

function sha256File(path: string): string {
  const h = createHash("sha256");
  const fd = openSync(path, "r");
  const buf = new Uint8Array(4 * MiB);
  for (let n; (n = readSync(fd, buf, 0, buf.length, null)) > 0; ) h.update(buf.subarray(0, n));
  closeSync(fd);
  return "sha256:" + h.digest("hex");
}

/** An OCI layout with one gzip layer (the blob at `gz`) and a tiny second layer. */
function writeLayout(dir: string, tar: string, gz: string): void {
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(`${dir}/blobs/sha256`, { recursive: true });
  const blob = (bytes: Uint8Array): { digest: string; size: number } => {
    const digest = "sha256:" + createHash("sha256").update(bytes).digest("hex");
    writeFileSync(`${dir}/blobs/sha256/${digest.slice(7)}`, bytes);
    return { digest, size: bytes.length };
  };
  const bigDigest = sha256File(gz);
  spawnSync("ln", ["-f", gz, `${dir}/blobs/sha256/${bigDigest.slice(7)}`]);
  if (!existsSync(`${dir}/blobs/sha256/${bigDigest.slice(7)}`)) spawnSync("cp", [gz, `${dir}/blobs/sha256/${bigDigest.slice(7)}`]);
  const small = new Uint8Array(2048);
  small.set(header512("etc/hostname", 4, "0"));
  small.set(enc.encode("box\n"), 512);
  const smallDesc = blob(small);
  const config = blob(
    enc.encode(JSON.stringify({ architecture: "wasm", os: "wasip1", config: { Entrypoint: ["/bin/app.wasm"] }, rootfs: { type: "layers", diff_ids: [sha256File(tar), smallDesc.digest] } })),
  );
  const manifest = blob(
    enc.encode(
      JSON.stringify({
        schemaVersion: 2,
        mediaType: "application/vnd.oci.image.manifest.v1+json",
        config: { mediaType: "application/vnd.oci.image.config.v1+json", ...config },
        layers: [
          { mediaType: "application/vnd.oci.image.layer.v1.tar+gzip", digest: bigDigest, size: statSync(gz).size },
          { mediaType: "application/vnd.oci.image.layer.v1.tar", ...smallDesc },
        ],
      }),
    ),
  );
  writeFileSync(`${dir}/oci-layout`, JSON.stringify({ imageLayoutVersion: "1.0.0" }));
  writeFileSync(`${dir}/index.json`, JSON.stringify({ schemaVersion: 2, manifests: [{ mediaType: "application/vnd.oci.image.manifest.v1+json", ...manifest }] }));
}

async function hashRate(factory: HasherFactory, bytes: Uint8Array): Promise<number> {
  const runs: number[] = [];
  for (let r = 0; r < 3; r++) {
    const t = nowMs();
    const h = await factory("sha256");
    for (let at = 0; at < bytes.length; at += MiB) h.update(bytes.subarray(at, at + MiB));
    h.digestHex();
    runs.push(nowMs() - t);
  }
  return bytes.length / MiB / (median(runs) / 1000);
}

export async function images(cfg: Config): Promise<void> {
  header("Issue 7: OCI images (loadImage; ratio = time / peer time)");
  const root = existsSync("/dev/shm") ? "/dev/shm/layerfs-bench-oci" : `${cfg.dir}-oci`;
  mkdirSync(root, { recursive: true });
  const tar = `${root}/layer.tar`;
  const gz = `${root}/layer.tar.gz`;
  const layout = `${root}/layout`;
  const cacheDir = `${root}/cache`;
  try {
    let t = nowMs();
    const size = writeLayerTar(tar, cfg.imageMiB * MiB);
    spawnSync("sh", ["-c", `gzip -1 -c '${tar}' > '${gz}'`]);
    writeLayout(layout, tar, gz);
    const gzSize = statSync(gz).size;
    console.log(`   wrote a ${(size / MiB).toFixed(0)} MiB layer tar, gzip -1 ${(gzSize / MiB).toFixed(0)} MiB, layout ${layout} in ${((nowMs() - t) / 1000).toFixed(1)} s`);

    // Peer: gzip -dc of the same blob to /dev/null, interleaved run by run with the cold
    // loads (empty cache each time, on tmpfs like /dev/null) so machine load hits both alike.
    const gzipRuns: number[] = [];
    const gzipOnce = (): void => {
      const t0 = nowMs();
      spawnSync("sh", ["-c", `gzip -dc '${gz}' > /dev/null`]);
      gzipRuns.push(nowMs() - t0);
    };
    const cold = async (hasher: HasherFactory, withPeer: boolean): Promise<{ ms: number; samples: number[]; rssGrowth: number }> => {
      const samples: number[] = [];
      let rssGrowth = 0;
      for (let r = 0; r < cfg.imageRuns; r++) {
        if (withPeer) gzipOnce();
        rmSync(cacheDir, { recursive: true, force: true });
        const rss0 = process.memoryUsage().rss;
        let peak = rss0;
        const timer = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 20);
        t = nowMs();
        const img = await loadImage(layout, { cacheDir, hasher });
        samples.push(nowMs() - t);
        clearInterval(timer);
        peak = Math.max(peak, process.memoryUsage().rss);
        rssGrowth = Math.max(rssGrowth, peak - rss0);
        img.close();
      }
      return { ms: median(samples), samples, rssGrowth };
    };
    const coldNode = await cold(nodeHasher, true);
    const gzipMs = median(gzipRuns);
    add({
      id: "7/gzip",
      what: `cold loadImage, ${(gzSize / MiB).toFixed(0)} MiB gzip layer -> ${(size / MiB).toFixed(0)} MiB (verify both digests, cache on tmpfs)`,
      value: coldNode.ms,
      unit: "ms",
      peer: { name: "gzip -dc >/dev/null", value: gzipMs, unit: "ms" },
      ratio: coldNode.ms / gzipMs,
      target: "≤ 1.2× gzip -dc",
      pass: coldNode.ms / gzipMs <= 1.2,
      samples: coldNode.samples,
      peerSamples: gzipRuns,
      note: `${((size / MiB) / (coldNode.ms / 1000)).toFixed(0)} MiB/s uncompressed; node:zlib, node:crypto sha256`,
    });
    const coldWasm = await cold(wasmHasher, false);
    add({
      id: "7/gzip-w",
      what: "  the same with hash-wasm sha256 (the portable hasher)",
      value: coldWasm.ms,
      unit: "ms",
      peer: { name: "gzip -dc >/dev/null", value: gzipMs, unit: "ms" },
      ratio: coldWasm.ms / gzipMs,
      samples: coldWasm.samples,
    });
    add({ id: "7/mem", what: "process RSS growth during a cold load (streamed to the file cache)", value: coldNode.rssGrowth / MiB, unit: "MiB", note: `layer is ${(size / MiB).toFixed(0)} MiB` });

    // Warm loads: cache hit, nothing decompressed or hashed.
    const warmRuns: number[] = [];
    for (let r = 0; r < cfg.runs; r++) {
      t = nowMs();
      const img = await loadImage(layout, { cacheDir });
      warmRuns.push(nowMs() - t);
      img.close();
    }
    const warm = median(warmRuns);
    add({ id: "7/warm", what: `warm loadImage of the ${(size / MiB).toFixed(0)} MiB image (cache hit, saved tar index)`, value: warm, unit: "ms", peer: { name: "cold", value: coldNode.ms, unit: "ms" }, ratio: warm / coldNode.ms, target: "≤ 50 ms", pass: warm <= 50, samples: warmRuns });

    // The hashers alone.
    const sample = readFileSync(tar).subarray(0, Math.min(256 * MiB, size));
    const nodeRate = await hashRate(nodeHasher, sample);
    const wasmRate = await hashRate(wasmHasher, sample);
    add({ id: "7/sha", what: "sha256 throughput, hash-wasm (wasm, every runtime)", value: wasmRate, unit: "MiB/s", peer: { name: "node:crypto", value: nodeRate, unit: "MiB/s" }, ratio: wasmRate / nodeRate });
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
}
