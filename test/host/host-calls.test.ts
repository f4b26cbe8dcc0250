// Host calls a host-directory upper makes per guest operation (the budget behind
// bench section 4's churn and writebig rows), and positioned I/O on the
// runtime's HostFs landing where asked whatever came before (Deno has no
// pread/pwrite: DenoFs seeks only when the offset is not already there).
// Runs in Node (node:fs HostFs) and in Deno (Deno HostFs).
import { afterAll, describe, expect, it } from "vitest";
import { Image } from "../../src/core/image.ts";
import { Union } from "../../src/core/union.ts";
import { DirLayer } from "../../src/layers/dir/mod.ts";
import { MemoryLayer } from "../../src/layers/memory.ts";
import { READ_AHEAD_BYTES } from "../../src/layers/read-ahead.ts";
import { sequentialReads } from "../support/read-ahead.ts";
import { cleanup, counted, fsForSetup as fs, hostFs, IN_DENO, makeTree, pathForSetup as path, tempDir } from "./helpers.ts";

const bases: string[] = [];
afterAll(() => bases.forEach(cleanup));

function base(): string {
  const b = tempDir("layerfs-calls-", true);
  bases.push(b);
  return b;
}

describe(`host calls of a host-directory upper (${IN_DENO ? "Deno" : "Node"})`, () => {
  it("churns a file in 8 host calls: create+write+close 3, open+read+close+stat 4, unlink 1", () => {
    // (Deno has no O_NOFOLLOW, nor pread/pwrite: DenoFs's open checks with lstat and fstat itself, and a positioned call seeks when the offset is elsewhere.)
    const b = base();
    makeTree(path.join(b, "upper"), { "bench/": "" });
    const { host, take } = counted(hostFs());
    const u = new Union(new Image([]), new DirLayer(host, path.join(b, "upper"), { writable: true }));
    const data = new Uint8Array(4096).fill(7);
    const back = new Uint8Array(4096);
    u.readdir("/bench"); // the directory's listing: names not in it need no host call
    u.writeFile("/bench/warm", "x"); // the work directory and umask, once per layer
    take();
    const f = u.open("/bench/f1", { write: true, create: true, truncate: true });
    f.write(data, 0);
    f.close();
    expect(take()).toEqual({ open: 1, pwrite: 1, close: 1 });
    const r = u.open("/bench/f1", { read: true });
    expect(r.read(back, 0)).toBe(4096);
    r.close();
    const st = u.stat("/bench/f1");
    // The open needs no lstat (the layer made the file: openKnownFile); the stat
    // after a read is asked again: the read may have moved atime.
    expect(take()).toEqual({ lstat: 1, open: 1, pread: 1, close: 1 });
    expect(st.atimeNs).toBe(fs.lstatSync(path.join(b, "upper/bench/f1"), { bigint: true }).atimeNs);
    expect(back).toEqual(data);
    u.unlink("/bench/f1");
    expect(take()).toEqual({ unlink: 1 });
    u.close();
  });

  it("writes a big file in one host call per guest write, and counts its size exactly", () => {
    const b = base();
    makeTree(path.join(b, "upper"), {});
    const { host, calls, take } = counted(hostFs());
    const u = new Union(new Image([]), new DirLayer(host, path.join(b, "upper"), { writable: true }));
    const f = u.open("/out.bin", { write: true, create: true, truncate: true });
    const block = new Uint8Array(65536).map((_, i) => i * 31 + 7);
    take();
    for (let i = 0; i < 64; i++) f.write(block, i * block.length);
    expect(take()).toEqual({ pwrite: 64 });
    f.close();
    expect(calls.get("fstat") ?? 0).toBe(0);
    expect(u.usage().bytes).toBe(256 + 64 * block.length);
    const onDisk = fs.readFileSync(path.join(b, "upper/out.bin"));
    expect(onDisk.length).toBe(64 * block.length);
    expect(onDisk.subarray(65536 * 5, 65536 * 6).every((x, i) => x === block[i])).toBe(true);
    u.close();
  });

  it("appends in one host call per write (the end is the file's own size), and asks the host again once another writer is open", () => {
    const b = base();
    makeTree(path.join(b, "upper"), {});
    const { host, take } = counted(hostFs());
    const u = new Union(new Image([]), new DirLayer(host, path.join(b, "upper"), { writable: true }));
    const enc = new TextEncoder();
    const f = u.open("/log", "a");
    take();
    for (let i = 0; i < 10; i++) f.write(enc.encode(`line ${i}\n`), 0);
    expect(take()).toEqual({ pwrite: 10 });
    f.close();
    const a = u.open("/log", "a");
    const c = u.open("/log", "a");
    take();
    a.write(enc.encode("a1\n"), 0);
    c.write(enc.encode("c1\n"), 0);
    a.write(enc.encode("a2\n"), 0);
    // Two writers of one object: neither may trust its own count, so each append asks the host for the end
    // (and the quota's growth check asks again, as before: 2 fstats per append).
    expect(take()).toEqual({ fstat: 6, pwrite: 3 });
    a.close();
    c.close();
    const want = Array.from({ length: 10 }, (_, i) => `line ${i}\n`).join("") + "a1\nc1\na2\n";
    expect(fs.readFileSync(path.join(b, "upper/log"), "utf8")).toBe(want);
    expect(u.stat("/log").size).toBe(want.length);
    u.close();
  });

  it("reads a lower file in 1 KiB pieces from one host read per read-ahead window", () => {
    const b = base();
    const size = 3 * READ_AHEAD_BYTES + 5000;
    const content = new Uint8Array(size).map((_, i) => (i * 7 + (i >> 10)) & 255);
    makeTree(path.join(b, "lower"), { "big.bin": content });
    const { host, take } = counted(hostFs());
    const u = new Union(new Image([new DirLayer(host, path.join(b, "lower"))]), new MemoryLayer());
    const f = u.open("/big.bin", { read: true });
    take();
    const piece = new Uint8Array(1024);
    const back = new Uint8Array(size);
    let pos = 0;
    for (let n; (n = f.read(piece, pos)) > 0; pos += n) back.set(piece.subarray(0, n), pos);
    expect(pos).toBe(size);
    expect(back.every((x, i) => x === content[i])).toBe(true);
    // The first piece, then windows of 16, 32, 64, 64... KiB; the last fill is short, so it asks
    // once more (a short pread is not yet EOF), and the read at EOF is answered from the buffer.
    expect(take()).toEqual({ pread: sequentialReads(size, 1024) + 1 });
    f.close();
    u.close();
  });

  it("reads a host upper's file in small pieces ahead too, and every write or truncate through any descriptor shows", () => {
    const b = base();
    makeTree(path.join(b, "upper"), { "f": new Uint8Array(200_000).fill(1) });
    const { host, take } = counted(hostFs());
    const u = new Union(new Image([]), new DirLayer(host, path.join(b, "upper"), { writable: true }));
    const r = u.open("/f", { read: true });
    const w = u.open("/f", { write: true });
    const a = u.open("/f", { write: true, append: true });
    const piece = new Uint8Array(1000);
    const all = (v: number) => piece.every((x) => x === v);
    take();
    for (let i = 0; i < 3; i++) r.read(piece, i * 1000);
    expect(take().pread).toBe(3); // the first two pieces, then one read ahead: [2000, 6096)
    w.write(new Uint8Array(1000).fill(2), 3000); // another descriptor, inside what was read ahead
    expect(r.read(piece, 3000)).toBe(1000);
    expect(all(2)).toBe(true);
    r.read(piece, 4000);
    w.truncate(5500);
    expect(r.read(piece, 5000)).toBe(500);
    a.write(new Uint8Array(1000).fill(3), 0); // O_APPEND: lands at the end
    expect(r.read(piece, 5500)).toBe(1000);
    expect(all(3)).toBe(true);
    // Read and written through one descriptor.
    const rw = u.open("/f", { read: true, write: true });
    rw.read(piece, 0);
    rw.read(piece, 1000);
    rw.read(piece, 2000);
    rw.write(new Uint8Array(1000).fill(4), 3000);
    expect(rw.read(piece, 3000)).toBe(1000);
    expect(all(4)).toBe(true);
    for (const f of [r, w, a, rw]) f.close();
    u.close();
  });

  it("an unlocked host upper (shared on purpose) reads from the host every time: another layer's write shows", () => {
    const b = base();
    makeTree(path.join(b, "upper"), { "f": new Uint8Array(20_000).fill(1) });
    const { host, take } = counted(hostFs());
    const mine = new DirLayer(host, path.join(b, "upper"), { writable: true, lock: false });
    const theirs = new DirLayer(hostFs(), path.join(b, "upper"), { writable: true, lock: false });
    const r = mine.open("f");
    const piece = new Uint8Array(1000);
    take();
    r.read(piece, 0);
    r.read(piece, 1000);
    r.read(piece, 2000); // a stream's third read: a locked upper would read ahead here
    const w = theirs.openWrite("f");
    w.write(new Uint8Array(1000).fill(2), 3000);
    w.close();
    expect(r.read(piece, 3000)).toBe(1000);
    expect(piece.every((x) => x === 2)).toBe(true);
    expect(take().pread).toBe(4);
    r.close();
    mine.close();
    theirs.close();
  });

  it("a reader of a lower file in small pieces sees a copy-up's writes (it follows the copy)", () => {
    const b = base();
    makeTree(path.join(b, "lower"), { "f": new Uint8Array(20_000).fill(1) });
    const u = new Union(new Image([new DirLayer(hostFs(), path.join(b, "lower"))]), new MemoryLayer());
    const r = u.open("/f", { read: true });
    const piece = new Uint8Array(1000);
    r.read(piece, 0);
    r.read(piece, 1000);
    r.read(piece, 2000); // read ahead from the lower: [2000, 6096)
    const w = u.open("/f", { write: true });
    w.write(new Uint8Array(1000).fill(2), 2000);
    w.close();
    expect(r.read(piece, 2000)).toBe(1000);
    expect(piece.every((x) => x === 2)).toBe(true);
    r.close();
    u.close();
  });

  it("copies a lower file up into a memory upper by reference: 2 host calls at open (none for the root, no open), none for 4 KiB writes", () => {
    // The path of bench row 4/pwrite: a fresh lower (its root statted when the layer was opened), a memory upper.
    const b = base();
    makeTree(path.join(b, "lower"), { "big.bin": "x".repeat(200_000), "other": "y" });
    const { host, take } = counted(hostFs());
    const u = new Union(new Image([new DirLayer(host, path.join(b, "lower"))]), new MemoryLayer());
    take();
    const f = u.open("/big.bin", { write: true });
    // The probe of the name and the check of its directory after it: the copy-up opens nothing.
    expect(take()).toEqual({ lstat: 2 });
    f.write(new Uint8Array(4096).fill(0x5a), 100_000);
    f.write(new Uint8Array(4096).fill(0x5a), 131_072);
    // Only the bytes written are stored: the rest still reads from the lower file, which nothing opened yet.
    expect(take()).toEqual({});
    f.close();
    expect(take()).toEqual({});
    const back = u.readFile("/big.bin");
    expect(take()).toEqual({ open: 1, fstat: 1, pread: 5 }); // opened, checked to be the object indexed, read around the two writes (chunks 0-3)
    expect(back.length).toBe(200_000);
    expect(back.subarray(100_000, 104_096).every((x) => x === 0x5a)).toBe(true);
    expect(back[99_999]).toBe("x".charCodeAt(0));
    expect(back[104_096]).toBe("x".charCodeAt(0));
    expect(back.subarray(131_072, 135_168).every((x) => x === 0x5a)).toBe(true);
    expect(back[135_168]).toBe("x".charCodeAt(0));
    u.close();
  });

  it("reads and writes at the asked position whatever the descriptor did before", () => {
    const b = base();
    makeTree(path.join(b, "d"), {});
    const h = hostFs();
    const p = path.join(b, "d/f");
    const fd = h.open(p, { createNew: true, mode: 0o644 });
    const bytes = (s: string) => new TextEncoder().encode(s);
    expect(h.pwrite(fd, bytes("hello"), 0)).toBe(5);
    expect(h.pwrite(fd, bytes(" world"), 5)).toBe(6); // sequential
    expect(h.pwrite(fd, bytes("HE"), 0)).toBe(2); // back
    expect(h.pwrite(fd, bytes("!"), 20)).toBe(1); // past EOF: a hole
    const buf = new Uint8Array(32);
    expect(h.pread(fd, buf.subarray(0, 4), 0)).toBe(4);
    expect(h.pread(fd, buf.subarray(4, 8), 4)).toBe(4); // sequential read after a read
    expect(h.pwrite(fd, bytes("W"), 6)).toBe(1); // behind where the read left the offset
    expect(h.pread(fd, buf.subarray(0, 32), 0)).toBe(21);
    expect(new TextDecoder().decode(buf.subarray(0, 11))).toBe("HEllo World");
    expect(buf[20]).toBe("!".charCodeAt(0));
    expect(h.pread(fd, buf, 21)).toBe(0); // at EOF
    expect(h.pwrite(fd, bytes("x"), 21)).toBe(1); // where the EOF read left the offset
    h.ftruncate(fd, 3);
    expect(h.pwrite(fd, bytes("z"), 22)).toBe(1); // after a truncate: still where asked
    expect(h.pread(fd, buf, 0)).toBe(23);
    expect(new TextDecoder().decode(buf.subarray(0, 3))).toBe("HEl");
    expect(buf.subarray(3, 22).every((x) => x === 0)).toBe(true);
    expect(buf[22]).toBe("z".charCodeAt(0));
    // A second descriptor on the file has its own offset.
    const fd2 = h.open(p, { write: true });
    expect(h.pwrite(fd2, bytes("AB"), 0)).toBe(2);
    expect(h.pwrite(fd, bytes("c"), 2)).toBe(1);
    expect(h.pread(fd2, buf.subarray(0, 3), 0)).toBe(3);
    expect(new TextDecoder().decode(buf.subarray(0, 3))).toBe("ABc");
    h.close(fd2);
    h.close(fd);
    expect(fs.readFileSync(p).length).toBe(23);
  });
});
