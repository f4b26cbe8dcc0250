/**
 * Choosing the image inside the files: the tag (OCI ref name or docker
 * RepoTag) and the platform (multi-platform indexes, nested indexes), then
 * reading and checking the manifest and config. Digests are validated before
 * they become paths.
 */
import type { Compression } from "./decompress.ts";
import { parseDigest } from "./digest.ts";
import type { Digest } from "./digest.ts";
import type { ImageFormat, LoadContext, Platform, SelectedLayer } from "./load-context.ts";
import { INDEX_TYPES, layerKind, MANIFEST_TYPES } from "./media-types.ts";

/** What a loader picked: documents, layers, and the blob paths by digest (for openBlob). */
export interface Selected {
  format: ImageFormat;
  manifestJson: Record<string, unknown>;
  configJson: Record<string, unknown>;
  layers: SelectedLayer[];
  tag: string | undefined;
  platform: Platform | undefined;
  blobPaths: [string, string][];
}

export const REF_NAME = "org.opencontainers.image.ref.name";
const CONTAINERD_NAME = "io.containerd.image.name";
/** Deepest chain of nested indexes followed, and most descriptors looked at in all. */
const MAX_INDEX_DEPTH = 8;
const MAX_DESCRIPTORS = 10_000;

interface Descriptor {
  mediaType: string;
  digest: Digest;
  size: number;
  annotations: Record<string, string>;
  platform: Platform | undefined;
  urls: string[];
}

function record(v: unknown): Record<string, unknown> | undefined {
  return typeof v === "object" && v !== null && !Array.isArray(v) ? (v as Record<string, unknown>) : undefined;
}

function descriptor(ctx: LoadContext, v: unknown, where: string): Descriptor {
  const r = record(v) ?? ctx.fail("EFORMAT", where, "descriptor is not an object");
  if (typeof r.mediaType !== "string") ctx.fail("EFORMAT", where, "descriptor has no mediaType");
  const digest = parseDigest(r.digest);
  if (typeof digest === "string") ctx.fail("EDIGEST", where, digest);
  if (typeof r.size !== "number" || !Number.isSafeInteger(r.size) || r.size < 0) ctx.fail("EFORMAT", where, `descriptor size ${JSON.stringify(r.size)} is not a non-negative integer`);
  const annotations: Record<string, string> = {};
  for (const [k, a] of Object.entries(record(r.annotations) ?? {})) if (typeof a === "string") annotations[k] = a;
  const p = record(r.platform);
  const platform =
    p !== undefined && typeof p.os === "string" && typeof p.architecture === "string"
      ? { os: p.os, architecture: p.architecture, ...(typeof p.variant === "string" ? { variant: p.variant } : {}) }
      : undefined;
  const urls = Array.isArray(r.urls) ? r.urls.filter((u): u is string => typeof u === "string") : [];
  return { mediaType: r.mediaType, digest, size: r.size, annotations, platform, urls };
}

const blobPath = (d: Digest): string => `blobs/${d.algorithm}/${d.hex}`;

function platformText(p: Platform | undefined): string {
  return p === undefined ? "(no platform)" : `${p.os}/${p.architecture}${p.variant !== undefined ? "/" + p.variant : ""}`;
}

function isWasm(p: Platform | undefined): boolean {
  return p !== undefined && (p.os === "wasip1" || p.os === "wasi" || p.architecture === "wasm");
}

/** The tag names of an OCI index descriptor: its ref name, and the containerd image name docker >= 25 adds. */
function refNames(d: Descriptor): string[] {
  return [d.annotations[REF_NAME], d.annotations[CONTAINERD_NAME]].filter((n): n is string => n !== undefined);
}

/** Does a wanted tag name this docker RepoTag / containerd name? (`repo` means `repo:latest`; docker.io/library/ may be left out.) */
function tagMatches(want: string, have: string): boolean {
  const norm = (t: string): string => {
    let s = t.replace(/^docker\.io\/(library\/)?/, "");
    if (!/:[^/]*$/.test(s)) s += ":latest";
    return s;
  };
  return want === have || norm(want) === norm(have);
}

/** Select and read the image of an OCI layout (directory or archive). */
export async function selectOci(ctx: LoadContext): Promise<Selected> {
  const layout = await ctx.readJson("oci-layout");
  const version = (layout.json as Record<string, unknown>).imageLayoutVersion;
  if (typeof version !== "string" || !/^1\.\d+\.\d+$/.test(version)) ctx.fail("EFORMAT", "oci-layout", `unsupported imageLayoutVersion ${JSON.stringify(version)} (want 1.x.x)`);
  const index = await ctx.readJson("index.json");
  let top = manifestsOf(ctx, index.json, "index.json");
  let tag: string | undefined;
  if (ctx.tag !== undefined) {
    const want = ctx.tag;
    const hits = top.filter((d) => d.annotations[REF_NAME] === want);
    top = hits.length > 0 ? hits : top.filter((d) => refNames(d).some((n) => tagMatches(want, n)));
    if (top.length === 0) ctx.fail("ETAG", "index.json", `no image tagged "${want}" (tags: ${tagList(manifestsOf(ctx, index.json, "index.json"))})`);
    tag = want;
  } else {
    const names = new Set(top.map((d) => d.annotations[REF_NAME]).filter((n) => n !== undefined));
    if (names.size > 1) ctx.fail("ETAG", "index.json", `the layout holds several images; name one with a tag (tags: ${[...names].join(", ")})`);
    tag = names.size === 1 ? [...names][0] : undefined;
  }
  // Follow nested indexes down to image manifests, keeping the platforms.
  const manifests: Descriptor[] = [];
  let seen = 0;
  const visiting = new Set<string>();
  const walk = async (list: Descriptor[], depth: number, where: string): Promise<void> => {
    for (const d of list) {
      if (++seen > MAX_DESCRIPTORS) ctx.fail("ELIMIT", where, `more than ${MAX_DESCRIPTORS} descriptors in the indexes`);
      if (INDEX_TYPES.has(d.mediaType)) {
        if (depth >= MAX_INDEX_DEPTH) ctx.fail("ELIMIT", `index ${d.digest.text}`, `indexes nested deeper than ${MAX_INDEX_DEPTH}`);
        if (visiting.has(d.digest.text)) ctx.fail("EFORMAT", `index ${d.digest.text}`, "index refers to itself (cycle)");
        visiting.add(d.digest.text);
        const sub = await ctx.readJson(blobPath(d.digest), { digest: d.digest, size: d.size });
        await walk(manifestsOf(ctx, sub.json, `index ${d.digest.text}`), depth + 1, `index ${d.digest.text}`);
        visiting.delete(d.digest.text);
      } else if (MANIFEST_TYPES.has(d.mediaType)) {
        manifests.push(d);
      } // other artifacts (signatures, attestations by type) are not images: skipped
    }
  };
  await walk(top, 0, "index.json");
  const chosen = choosePlatform(ctx, manifests);
  const manifestRead = await ctx.readJson(blobPath(chosen.digest), { digest: chosen.digest, size: chosen.size });
  const manifest = manifestRead.json as Record<string, unknown>;
  const mWhere = `manifest ${chosen.digest.text}`;
  if (manifest.schemaVersion !== 2) ctx.fail("EFORMAT", mWhere, `schemaVersion ${JSON.stringify(manifest.schemaVersion)} is not 2`);
  const configDesc = descriptor(ctx, manifest.config, `${mWhere} config`);
  const config = await ctx.readJson(blobPath(configDesc.digest), { digest: configDesc.digest, size: configDesc.size });
  const configJson = config.json as Record<string, unknown>;
  if (!Array.isArray(manifest.layers)) ctx.fail("EFORMAT", mWhere, "has no layers array");
  if (manifest.layers.length > ctx.maxLayers) ctx.fail("ELIMIT", mWhere, `${manifest.layers.length} layers exceed the limit of ${ctx.maxLayers} (maxLayers)`);
  const diffIDs = diffIDsOf(ctx, configJson, `config ${configDesc.digest.text}`, manifest.layers.length);
  const layers: SelectedLayer[] = manifest.layers.map((v, i) => {
    const where = `${mWhere} layer ${i}`;
    const d = descriptor(ctx, v, where);
    const kind = layerKind(d.mediaType);
    if (typeof kind === "string") ctx.fail("EUNSUPPORTED", `${where} (${d.digest.text})`, kind);
    return { path: blobPath(d.digest), digest: d.digest, size: d.size, diffID: diffIDs[i]!, mediaType: d.mediaType, compression: kind.compression, foreign: kind.foreign, urls: d.urls };
  });
  const blobPaths: [string, string][] = [chosen.digest, configDesc.digest, ...layers.map((l) => l.digest!)].map((d) => [d.text, blobPath(d)]);
  return {
    format: ctx.archive ? "oci-archive" : "oci-layout",
    manifestJson: manifest,
    configJson,
    layers,
    tag,
    platform: chosen.platform ?? platformOfConfig(configJson),
    blobPaths,
  };
}

function manifestsOf(ctx: LoadContext, json: unknown, where: string): Descriptor[] {
  const r = record(json) ?? ctx.fail("EFORMAT", where, "not a JSON object");
  if (r.schemaVersion !== 2) ctx.fail("EFORMAT", where, `schemaVersion ${JSON.stringify(r.schemaVersion)} is not 2`);
  if (!Array.isArray(r.manifests)) ctx.fail("EFORMAT", where, "has no manifests array");
  if (r.manifests.length > MAX_DESCRIPTORS) ctx.fail("ELIMIT", where, `${r.manifests.length} manifests exceed the limit of ${MAX_DESCRIPTORS}`);
  return r.manifests.map((m, i) => descriptor(ctx, m, `${where} manifests[${i}]`));
}

function tagList(list: Descriptor[]): string {
  const names = [...new Set(list.flatMap(refNames))];
  return names.length > 0 ? names.join(", ") : "none";
}

function choosePlatform(ctx: LoadContext, manifests: Descriptor[]): Descriptor {
  if (manifests.length === 0) ctx.fail("EMISSING", "index.json", "no image manifest in the index");
  // Attestation manifests (buildx) carry platform unknown/unknown: never an image to run.
  const images = manifests.filter((m) => !(m.platform?.os === "unknown" && m.platform.architecture === "unknown"));
  const list = images.length > 0 ? images : manifests;
  if (ctx.platform !== undefined) {
    const [os, architecture, variant] = ctx.platform.split("/");
    if (os === undefined || architecture === undefined || os === "" || architecture === "") ctx.fail("EPLATFORM", undefined, `platform "${ctx.platform}" is not os/arch[/variant]`);
    const hit = list.find((m) => m.platform?.os === os && m.platform.architecture === architecture && (variant === undefined || m.platform.variant === variant));
    if (hit !== undefined) return hit;
    if (list.length === 1 && list[0]!.platform === undefined) return list[0]!;
    ctx.fail("EPLATFORM", "index.json", `no manifest for platform ${ctx.platform} (available: ${list.map((m) => platformText(m.platform)).join(", ")})`);
  }
  if (list.length === 1) return list[0]!;
  const wasm = list.filter((m) => isWasm(m.platform));
  if (wasm.length > 0) return wasm.find((m) => m.platform?.os === "wasip1") ?? wasm[0]!;
  ctx.fail("EPLATFORM", "index.json", `several platforms and none is wasm; choose one with platform "os/arch" (available: ${list.map((m) => platformText(m.platform)).join(", ")})`);
}

function platformOfConfig(c: Record<string, unknown>): Platform | undefined {
  if (typeof c.os !== "string" || typeof c.architecture !== "string") return undefined;
  return { os: c.os, architecture: c.architecture, ...(typeof c.variant === "string" ? { variant: c.variant } : {}) };
}

function diffIDsOf(ctx: LoadContext, config: Record<string, unknown>, where: string, layers: number): Digest[] {
  const rootfs = record(config.rootfs);
  if (rootfs === undefined || rootfs.type !== "layers" || !Array.isArray(rootfs.diff_ids)) ctx.fail("EFORMAT", where, 'has no rootfs of type "layers" with diff_ids');
  if (rootfs.diff_ids.length !== layers) ctx.fail("EFORMAT", where, `rootfs.diff_ids has ${rootfs.diff_ids.length} entries for ${layers} layers`);
  return rootfs.diff_ids.map((v, i) => {
    const d = parseDigest(v);
    if (typeof d === "string") ctx.fail("EDIGEST", `${where} rootfs.diff_ids[${i}]`, d);
    return d;
  });
}

/** A docker-save path: relative, no "." / ".." / empty components, no backslashes or NULs. */
function safePath(ctx: LoadContext, v: unknown, where: string): string {
  if (typeof v !== "string" || v === "") ctx.fail("EFORMAT", where, "path is not a non-empty string");
  const p = v.replace(/^(\.\/)+/, "");
  if (p.startsWith("/") || /[\\\0]/.test(p) || p.split("/").some((c) => c === "" || c === "." || c === "..")) {
    ctx.fail("EFORMAT", where, `path ${JSON.stringify(v)} leaves the archive or is not canonical`);
  }
  return p;
}

/** The digest a docker-save path names, if any: blobs/sha256/<hex> (docker >= 25) or <hex>.json (configs). */
function digestOfPath(path: string): Digest | undefined {
  const m = /^blobs\/(sha256|sha512)\/([0-9a-f]+)$/.exec(path) ?? /^()([0-9a-f]{64})\.json$/.exec(path);
  if (m === null) return undefined;
  const d = parseDigest(`${m[1] || "sha256"}:${m[2]}`);
  return typeof d === "string" ? undefined : d;
}

/**
 * Select and read the image of a docker-save archive, or undefined when the
 * wanted tag is not among its RepoTags but the archive also has an OCI layout
 * (docker >= 25), which then gets its turn.
 */
export async function selectDocker(ctx: LoadContext, hasLayout: boolean): Promise<Selected | undefined> {
  const m = await ctx.readJson("manifest.json");
  if (!Array.isArray(m.json)) ctx.fail("EFORMAT", "manifest.json", "is not a JSON array");
  const entries = m.json.map((e, i) => record(e) ?? ctx.fail("EFORMAT", `manifest.json[${i}]`, "is not an object"));
  const tagsOf = (e: Record<string, unknown>): string[] => (Array.isArray(e.RepoTags) ? e.RepoTags.filter((t): t is string => typeof t === "string") : []);
  const allTags = entries.flatMap(tagsOf);
  let index: number;
  let tag: string | undefined;
  if (ctx.tag !== undefined) {
    const want = ctx.tag;
    index = entries.findIndex((e) => tagsOf(e).some((t) => tagMatches(want, t)));
    if (index < 0) {
      if (hasLayout) return undefined;
      ctx.fail("ETAG", "manifest.json", `no image tagged "${want}" (RepoTags: ${allTags.length > 0 ? allTags.join(", ") : "none"})`);
    }
    tag = tagsOf(entries[index]!).find((t) => tagMatches(want, t));
  } else {
    if (entries.length === 0) ctx.fail("EMISSING", "manifest.json", "lists no image");
    if (entries.length > 1) ctx.fail("ETAG", "manifest.json", `the archive holds ${entries.length} images; name one with a tag (RepoTags: ${allTags.join(", ") || "none"})`);
    index = 0;
    tag = tagsOf(entries[0]!)[0];
  }
  const entry = entries[index]!;
  const where = `manifest.json[${index}]`;
  const configPath = safePath(ctx, entry.Config, `${where} Config`);
  const configDigest = digestOfPath(configPath);
  const config = await ctx.readJson(configPath, configDigest !== undefined ? { digest: configDigest } : {});
  const configJson = config.json as Record<string, unknown>;
  if (!Array.isArray(entry.Layers)) ctx.fail("EFORMAT", where, "has no Layers array");
  if (entry.Layers.length > ctx.maxLayers) ctx.fail("ELIMIT", where, `${entry.Layers.length} layers exceed the limit of ${ctx.maxLayers} (maxLayers)`);
  const diffIDs = diffIDsOf(ctx, configJson, configPath, entry.Layers.length);
  const sources = record(entry.LayerSources) ?? {};
  const layers: SelectedLayer[] = entry.Layers.map((v, i) => {
    const path = safePath(ctx, v, `${where} Layers[${i}]`);
    const digest = digestOfPath(path);
    // LayerSources describes foreign layers by diffID: their media type, size and URLs.
    const src = record(sources[diffIDs[i]!.text]);
    let mediaType: string | undefined;
    let compression: Compression | undefined;
    let foreign = false;
    let urls: string[] = [];
    let size: number | undefined;
    if (src !== undefined && typeof src.mediaType === "string") {
      const kind = layerKind(src.mediaType);
      if (typeof kind === "string") ctx.fail("EUNSUPPORTED", `${where} Layers[${i}]`, kind);
      ({ compression, foreign } = kind);
      mediaType = src.mediaType;
      urls = Array.isArray(src.urls) ? src.urls.filter((u): u is string => typeof u === "string") : [];
      if (typeof src.size === "number") size = src.size;
    }
    return { path, digest, size, diffID: diffIDs[i]!, mediaType, compression, foreign, urls };
  });
  const blobPaths: [string, string][] = [];
  if (configDigest !== undefined) blobPaths.push([configDigest.text, configPath]);
  for (const l of layers) blobPaths.push([(l.digest ?? l.diffID).text, l.path]);
  return {
    format: "docker-archive",
    manifestJson: entry,
    configJson,
    layers,
    tag,
    platform: platformOfConfig(configJson),
    blobPaths,
  };
}
