// Fault injection seen from a WASI guest: a program writes a lower file through a Union
// of DirLayers (copy-up of the parent chain and the file, O_TRUNC, write) while the host
// filesystem fails the Nth write-type call. The guest gets an errno (non-zero exit, the
// libc message for ENOSPC/EIO), the lower directory is untouched, and the merged file is
// the old content, or the program's own O_TRUNC/write effects: never a torn copy-up.
// Runs in Node (node:fs HostFs) and in Deno (Deno HostFs).
import { afterAll, describe, expect, it } from "vitest";
import { Errno } from "../../src/core/errno.ts";
import { Image } from "../../src/core/image.ts";
import { Union } from "../../src/core/union.ts";
import { FaultFs } from "../../src/host/fault-fs.ts";
import { DirLayer } from "../../src/layers/dir/mod.ts";
import { run } from "../../src/wasi/run.ts";
import { cleanup, fsForSetup as fs, hostFs, IN_DENO, makeTree, pathForSetup as path, snapshot, tempDir } from "./helpers.ts";

const PROBE = path.join(import.meta.dirname ?? ".", "../cli/fixtures/probe.wasm");
const bases: string[] = [];
afterAll(() => bases.forEach(cleanup));

const OLD = "bbb file3\n".repeat(5000);
const NEW = "written by the guest";
const MESSAGES: Record<number, string> = { [Errno.NOSPC]: "No space left on device", [Errno.IO]: "I/O error" };

async function guestWrite(faulty: FaultFs, lower: string, upper: string, target: string): Promise<{ code: number; stderr: string; union: Union }> {
  const union = new Union(new Image([new DirLayer(faulty, lower)]), new DirLayer(faulty, upper, { writable: true, durable: false }));
  const err: Uint8Array[] = [];
  const code = await run(fs.readFileSync(PROBE), {
    union,
    args: ["probe", "write", target, NEW],
    stdout: "ignore",
    stderr: (b) => err.push(b.slice()),
  });
  return { code, stderr: err.map((b) => new TextDecoder().decode(b)).join(""), union };
}

describe(`fault injection seen by a WASI guest (${IN_DENO ? "Deno" : "Node"} HostFs)`, () => {
  for (const target of ["/file3", "/deep/dir/file4"]) {
    it(`a guest writing ${target} gets ENOSPC/EIO at every failing step and never sees a torn copy-up`, async () => {
      let checked = 0;
      let messages = 0;
      for (const plan of [{ errno: Errno.NOSPC, sticky: false }, { errno: Errno.IO, sticky: true }]) {
        for (let n = 1; ; n++) {
          const b = tempDir("layerfs-guest-", true);
          bases.push(b);
          makeTree(`${b}/lower`, { "file3": OLD, "deep/dir/file4": OLD });
          makeTree(`${b}/upper`, {});
          const before = snapshot(`${b}/lower`);
          const faulty = new FaultFs(hostFs(), { failAt: n, ...plan });
          const { code, stderr, union } = await guestWrite(faulty, `${b}/lower`, `${b}/upper`, target);
          const where = `${target} errno ${plan.errno} at write call ${n} (${faulty.log.join(",")}): ${stderr}`;
          const fired = faulty.fired;
          faulty.arm({});
          union.close(); // the program ended: its lock goes
          expect(snapshot(`${b}/lower`), where).toEqual(before);
          const view = new Union(new Image([new DirLayer(hostFs(), `${b}/lower`)]), new DirLayer(hostFs(), `${b}/upper`, { writable: true }));
          const now = view.readFile(target, "utf8");
          view.close();
          if (!fired) {
            expect(code, where).toBe(0);
            expect(now, where).toBe(NEW);
            break;
          }
          expect(code, where).not.toBe(0);
          if (stderr !== "") {
            // fopen failed: perror printed the errno's message.
            expect(stderr, where).toContain(MESSAGES[plan.errno]);
            messages++;
          }
          // Old content (copy-up failed or never reached), or what the guest's own
          // O_TRUNC and (possibly short) write produced: never a partial copy of OLD.
          const ok = now === OLD || (now.length <= NEW.length && NEW.startsWith(now));
          expect(ok, `${where}: merged content ${JSON.stringify(now.slice(0, 40))} (${now.length} bytes)`).toBe(true);
          checked++;
        }
      }
      console.log(`${target}: ${checked} failing runs checked, ${messages} with the errno message`);
      expect(checked).toBeGreaterThan(4);
      expect(messages).toBeGreaterThan(0);
    });
  }
});
