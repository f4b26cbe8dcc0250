// examples/serverless end to end: the server (a child process) under
// concurrent requests whose handlers write, delete, exceed the quota and loop
// forever; every response is checked, and no request sees another's writes.
// Plus: the same server starts under Deno (Deno.serve, Web Workers).
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { existsSync } from "node:fs";
import { get, launchServer, runPath } from "../../examples/serverless/launch.ts";
import type { Launched } from "../../examples/serverless/launch.ts";
import { skipReason } from "../support/index.ts";

const QUOTA = 256 * 1024;
const INODES = 16;
const BLOCK = 65536; // the handler's fill writes
const MAX_OUTPUT = 800;
const NO_QUOTAS = "this Union takes no { quota } yet (Union quotas come with the sandbox branch): ENOSPC not checked, unlimited writes checked instead";

describe("examples/serverless (Node)", () => {
  let s: Launched;
  let quotas = false;
  beforeAll(async () => {
    s = await launchServer({ LAYERFS_SERVERLESS_WORKERS: "2", LAYERFS_SERVERLESS_TIMEOUT_MS: "1500", LAYERFS_SERVERLESS_QUOTA_BYTES: String(QUOTA), LAYERFS_SERVERLESS_QUOTA_INODES: String(INODES), LAYERFS_SERVERLESS_MAX_OUTPUT: String(MAX_OUTPUT) });
    quotas = JSON.parse((await get(s.url, "/health")).body).quotas;
  }, 60_000);
  afterAll(async () => s?.stop());

  it("prints its URL, bound to loopback", () => {
    expect(s.output()).toMatch(/^layerfs serverless: http:\/\/127\.0\.0\.1:\d+\/run\?a=hello {2}\(2 workers, quota 262144 bytes \/ 16 inodes, time limit 1500 ms/);
  });

  it("answers concurrent writers, deleters, quota breakers and a runaway guest, each in its own sandbox", async () => {
    const writers = Array.from({ length: 12 }, (_, i) =>
      get(s.url, runPath(["write", `/tmp/r${i}`, `request ${i}`, "ls", "/tmp", "cat", `/tmp/r${i}`])).then((r) => {
        expect(r).toEqual({ status: 200, body: `.keep\nr${i}\nrequest ${i}`, exitCode: "0" });
      }),
    );
    const deleters = Array.from({ length: 4 }, () =>
      get(s.url, runPath(["rm", "/etc/motd", "ls", "/etc", "cat", "/etc/motd"], "&changes=1")).then((r) => {
        expect(r.status).toBe(200);
        const j = JSON.parse(r.body);
        expect(j.exitCode).toBe(1);
        expect(j.stdout).toBe("hostname\ncat /etc/motd: No such file or directory\n");
        expect(j.changes).toEqual([{ kind: "C", path: "/etc" }, { kind: "D", path: "/etc/motd" }]);
      }),
    );
    // Past the byte quota: ENOSPC reaches the guest, whole 64 KiB writes only, nothing partial stored.
    const breakers = Array.from({ length: 3 }, (_, i) =>
      get(s.url, runPath(["fill", `/tmp/big${i}`, String(4 * QUOTA), "size", `/tmp/big${i}`, "ls", "/tmp"], "&changes=1")).then((r) => {
        expect(r.status).toBe(200);
        const j = JSON.parse(r.body);
        if (!quotas) {
          expect(j).toMatchObject({ exitCode: 0, stdout: `fill /tmp/big${i}: ${4 * QUOTA} bytes\n/tmp/big${i}: ${4 * QUOTA} bytes\n.keep\nbig${i}\n`, usage: null });
          return;
        }
        expect(j.exitCode).toBe(1);
        const m = new RegExp(`^fill /tmp/big${i}: No space left on device\\nfill /tmp/big${i}: (\\d+) bytes\\n/tmp/big${i}: (\\d+) bytes\\n\\.keep\\nbig${i}\\n$`).exec(j.stdout);
        expect(m, j.stdout).not.toBeNull();
        const [written, size] = [Number(m![1]), Number(m![2])];
        expect(size).toBe(written);
        expect(written % BLOCK).toBe(0);
        expect(written).toBeGreaterThan(0);
        expect(j.usage.bytes).toBeLessThanOrEqual(QUOTA);
        expect(j.usage.bytes).toBeGreaterThan(QUOTA - BLOCK);
      }),
    );
    // Past the inode quota: creates fail with ENOSPC, the ones before stay.
    const creators = Array.from({ length: 2 }, () =>
      get(s.url, runPath([...Array.from({ length: INODES + 4 }, (_, k) => ["write", `/tmp/n${k}`, "x"]).flat(), "ls", "/tmp"], "&changes=1")).then((r) => {
        expect(r.status).toBe(200);
        const j = JSON.parse(r.body);
        const listed = (j.stdout as string).split("\n").filter((l) => /^n\d+$/.test(l));
        if (!quotas) {
          expect(j.exitCode).toBe(0);
          expect(listed).toHaveLength(INODES + 4);
          return;
        }
        expect(j.exitCode).toBe(1);
        expect(j.stdout).toMatch(/^open \/tmp\/n\d+: No space left on device$/m);
        expect(j.usage.inodes).toBeLessThanOrEqual(INODES);
        expect(listed.length).toBeGreaterThan(0);
        expect(listed.length).toBeLessThan(INODES);
        // Exactly the files that were created are there (changes), in creation order.
        expect(listed).toEqual(Array.from({ length: listed.length }, (_, k) => `n${k}`).sort());
        expect(j.changes.filter((c: { path: string }) => c.path.startsWith("/tmp/n"))).toHaveLength(listed.length);
      }),
    );
    const loop = get(s.url, runPath(["loop"])).then((r) => {
      expect(r.status).toBe(504);
      expect(r.body).toMatch(/^handler stopped: time limit exceeded/);
    });
    await Promise.all([...writers, ...deleters, ...breakers, ...creators, loop]);
    // The runaway guest's worker was replaced, and nothing of any request remains.
    const health = JSON.parse((await get(s.url, "/health")).body);
    expect(health).toMatchObject({ workers: 2, replaced: 1 });
    expect(await get(s.url, runPath(["ls", "/tmp", "cat", "/etc/motd"]))).toEqual({ status: 200, body: ".keep\nWelcome to a layerfs sandbox.\n", exitCode: "0" });
  }, 60_000);

  it("enforces the quota (ENOSPC) when Union supports quotas", (ctx) => {
    // Known only once the server runs, so decided here rather than at collection.
    if (skipReason(quotas ? undefined : NO_QUOTAS)) return ctx.skip();
    // The concurrent test above asserted ENOSPC, whole writes and usage; here: the server says so.
    expect(s.output()).not.toMatch(/quotas not enforced/);
  });

  it("passes stdin, and keeps at most LAYERFS_SERVERLESS_MAX_OUTPUT bytes of output", async () => {
    expect(await get(s.url, runPath(["stdin", "hello"], "&stdin=" + encodeURIComponent("from the query\n")))).toEqual({ status: 200, body: "from the query\nhello from layerfs\n", exitCode: "0" });
    const res = await fetch(s.url + runPath(Array(30).fill(["cat", "/etc/motd"]).flat()));
    expect(res.headers.get("x-output-truncated")).toBe("1");
    expect(await res.text()).toBe("Welcome to a layerfs sandbox.\n".repeat(30).slice(0, MAX_OUTPUT));
  });

  it("answers misuse with a clear error", async () => {
    expect(await get(s.url, "/run")).toMatchObject({ status: 400, body: expect.stringMatching(/^no handler arguments: use \/run\?a=hello/) });
    expect(await get(s.url, runPath(["hello"], "&quota=9"))).toEqual({ status: 400, body: 'unknown query parameter "quota" (known: a, stdin, changes=1)\n', exitCode: null });
    expect(await get(s.url, "/nope")).toMatchObject({ status: 404 });
    expect(await get(s.url, runPath(["frobnicate"]))).toEqual({ status: 200, body: "unknown operation: frobnicate\n", exitCode: "2" });
  });

  it("refuses bad settings with one line and exit status 2", async () => {
    const port = new URL(s.url).port;
    await Promise.all([
      expect(launchServer({ PORT: "http" })).rejects.toThrow(/^server exited \(2\) before listening:\nlayerfs serverless: PORT: expected an integer from 0 to 65535, got "http"\n$/),
      expect(launchServer({ PORT: port, LAYERFS_SERVERLESS_WORKERS: "1" })).rejects.toThrow(
        new RegExp(`^server exited \\(2\\) before listening:\\nlayerfs serverless: port ${port} on 127\\.0\\.0\\.1 is in use \\(set PORT, 0 picks a free one\\)\\n$`),
      ),
    ]);
  });
});

const deno = new URL("../../node_modules/.bin/deno", import.meta.url);
describe.skipIf(skipReason(existsSync(deno) ? undefined : "node_modules/.bin/deno is missing"))("examples/serverless (Deno)", () => {
  it("starts under Deno (Deno.serve, Web Workers) and runs a handler", async () => {
    const s = await launchServer({ LAYERFS_SERVERLESS_WORKERS: "1" }, "deno", 60_000);
    try {
      expect(await get(s.url, runPath(["write", "/tmp/d", "deno", "cat", "/tmp/d", "cat", "/etc/hostname"]))).toEqual({ status: 200, body: "denosandbox\n", exitCode: "0" });
    } finally {
      await s.stop();
    }
  }, 90_000);
});
