#!/usr/bin/env node
// `npm test`: run the one vitest suite in Node, then in Deno, then in headless Chromium,
// and print one closing line `N passed, N failed[, N skipped]` summed over all three.
//
//   npm test                         all runtimes
//   npm test -- test/core            extra arguments are passed to every vitest run (filters)
//   LAYERFS_RUNTIMES=node npm test   pick runtimes (comma-separated: node,deno,browser);
//                                    "deno" also runs `deno test` (test/deno/) when no filter is given
//   LAYERFS_CHROMIUM=/path npm test  another Chromium binary (default /usr/bin/chromium)
//   LAYERFS_SKIP_BUILD=1 npm test    skip the `npm run build` (dist/) that runs first
//
// Each run writes vitest's JSON report to a temp file (and the default reporter to stdout).
// A runner that crashes, times out or writes no report counts as a failure, never a pass.
// Exit status: 0 only when nothing failed.
import { spawn } from "node:child_process";
import { accessSync, constants, existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const ROOT = dirname(dirname(fileURLToPath(import.meta.url)));
const VITEST = join(ROOT, "node_modules", "vitest", "vitest.mjs");
const DENO = join(ROOT, "node_modules", ".bin", "deno");
const VITEST_VERSION = "4.1.12";
const CHROMIUM = process.env.LAYERFS_CHROMIUM ?? "/usr/bin/chromium";
// One runtime's run must never hang CI; the whole suite is meant to take a few minutes.
const RUN_TIMEOUT_MS = Number(process.env.LAYERFS_RUN_TIMEOUT_MS ?? 20 * 60_000);

const ALL = ["node", "deno", "browser"];
const selected = (process.env.LAYERFS_RUNTIMES ?? ALL.join(","))
  .split(",").map((s) => s.trim()).filter(Boolean);
for (const r of selected) {
  if (!ALL.includes(r)) {
    console.error(`LAYERFS_RUNTIMES: unknown runtime "${r}" (use ${ALL.join(",")})`);
    process.exit(2);
  }
}
const extraArgs = process.argv.slice(2);
const tmp = mkdtempSync(join(tmpdir(), "layerfs-test-"));

/** @typedef {{ runtime: string, passed: number, failed: number, skipped: number, seconds: number, notes: string[] }} Tally */

function vitestArgs(config, jsonFile) {
  const args = ["run", "--config", config, "--reporter=default", "--reporter=json", `--outputFile.json=${jsonFile}`];
  // With filters a runtime may legitimately match nothing (e.g. a Node-only file).
  if (extraArgs.length > 0) args.push("--passWithNoTests");
  return [...args, ...extraArgs];
}

// Each runner gets its own process group, so a timeout (or Ctrl-C) also ends its workers
// and browser instead of leaving them holding the terminal or CI's output open.
let current;
function killGroup(child) {
  try {
    process.kill(-child.pid, "SIGKILL");
  } catch {
    child.kill("SIGKILL");
  }
}
for (const sig of ["SIGINT", "SIGTERM"]) {
  process.on(sig, () => {
    if (current) killGroup(current);
    process.exit(130);
  });
}

function run(cmd, args) {
  return new Promise((resolve) => {
    const child = spawn(cmd, args, { cwd: ROOT, stdio: ["ignore", "inherit", "inherit"], env: process.env, detached: true });
    current = child;
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      killGroup(child);
    }, RUN_TIMEOUT_MS);
    child.on("error", (err) => {
      clearTimeout(timer);
      current = undefined;
      resolve({ code: null, error: String(err), timedOut });
    });
    child.on("close", (code, signal) => {
      clearTimeout(timer);
      current = undefined;
      resolve({ code, signal, timedOut });
    });
  });
}

/** Count a vitest JSON report. A file that failed to load (no test results) counts as one failure. */
function tally(runtime, jsonFile, result, seconds) {
  /** @type {Tally} */
  const t = { runtime, passed: 0, failed: 0, skipped: 0, seconds, notes: [] };
  let report;
  try {
    report = JSON.parse(readFileSync(jsonFile, "utf8"));
  } catch {
    report = undefined;
  }
  if (report) {
    for (const file of report.testResults ?? []) {
      let failedHere = 0;
      for (const a of file.assertionResults ?? []) {
        if (a.status === "passed") t.passed++;
        else if (a.status === "failed") {
          t.failed++;
          failedHere++;
        } else t.skipped++; // skipped, pending, todo
      }
      if (file.status === "failed" && failedHere === 0) {
        t.failed++;
        const msg = String(file.message ?? "").split("\n")[0];
        t.notes.push(`${file.name.replace(ROOT + "/", "")} failed outside its tests (load error or hook): ${msg || "see the output above"}`);
      }
    }
  }
  const how = result.timedOut ? `timed out after ${RUN_TIMEOUT_MS / 1000}s`
    : result.error ? `could not start: ${result.error}`
    : result.signal ? `killed by ${result.signal}`
    : result.code !== 0 ? `exited with status ${result.code}` : "";
  if (!report) {
    t.failed++;
    t.notes.push(`runner wrote no JSON report${how ? ` (${how})` : ""}: counted as a failure`);
  } else if (how && t.failed === 0) {
    // e.g. an unhandled error or rejection between tests: vitest fails the run, not a test.
    t.failed++;
    t.notes.push(`runner ${how} with no failing test (unhandled error?): counted as a failure`);
  } else if (how) {
    t.notes.push(`runner ${how}`);
  }
  return t;
}

/** Count a `deno test --junit-path` report (Deno's own runner: test/deno/, see deno.json). */
function tallyJunit(runtime, xmlFile, result, seconds) {
  /** @type {Tally} */
  const t = { runtime, passed: 0, failed: 0, skipped: 0, seconds, notes: [] };
  let xml;
  try {
    xml = readFileSync(xmlFile, "utf8");
  } catch {
    t.failed++;
    t.notes.push(`deno test wrote no JUnit report (status ${result.code}): counted as a failure`);
    return t;
  }
  for (const m of xml.matchAll(/<testcase\b[^>]*?(\/>|>([\s\S]*?)<\/testcase>)/g)) {
    const body = m[2] ?? "";
    if (/<(failure|error)\b/.test(body)) t.failed++;
    else if (/<skipped\b/.test(body)) t.skipped++;
    else t.passed++;
  }
  if (result.code !== 0 && t.failed === 0) {
    t.failed++;
    t.notes.push(`deno test exited with status ${result.code} with no failing test: counted as a failure`);
  }
  return t;
}

/** Tests in the browser project, to report as skipped when Chromium is missing. */
async function countBrowserTests() {
  const listFile = join(tmp, "browser-list.json");
  const result = await run(process.execPath, [
    VITEST, "list", "--config", "vitest.browser.config.ts", "--browser.enabled=false", `--json=${listFile}`,
    ...extraArgs,
  ]);
  try {
    const list = JSON.parse(readFileSync(listFile, "utf8"));
    if (Array.isArray(list) && list.length > 0) return list.length;
  } catch {
    // fall through
  }
  if (result.code !== 0) console.log("(could not list the browser tests; counting the browser run as 1 skipped)");
  return 1;
}

function isExecutable(path) {
  try {
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

const RUNNERS = {
  node: async (jsonFile) => run(process.execPath, [VITEST, ...vitestArgs("vitest.config.ts", jsonFile)]),
  deno: async (jsonFile) => run(DENO, [
    "run", "-A", "--node-modules-dir=manual", `npm:vitest@${VITEST_VERSION}`,
    ...vitestArgs("vitest.deno.config.ts", jsonFile),
  ]),
  browser: async (jsonFile) => run(process.execPath, [VITEST, ...vitestArgs("vitest.browser.config.ts", jsonFile)]),
};

// Fresh dist/ first, so tests that spawn bin/layerfs.js (which loads dist/cli/) test the current
// sources. Build errors do not stop the run: test/build/dist.test.ts fails on them.
if (process.env.LAYERFS_SKIP_BUILD !== "1") {
  console.log("===== layerfs: npm run build (dist/) =====");
  const b = await run(process.execPath, [join(ROOT, "scripts", "build.mjs")]);
  if (b.code !== 0) console.log("build reported errors (above); dist/ was still emitted; test/build reports the failure");
}

/** @type {Tally[]} */
const tallies = [];
for (const runtime of selected) {
  console.log(`\n===== layerfs tests: ${runtime} =====`);
  const started = Date.now();
  if (runtime === "browser" && !isExecutable(CHROMIUM)) {
    const n = await countBrowserTests();
    const reason = `Chromium not found at ${CHROMIUM} (apt-get install chromium, or set LAYERFS_CHROMIUM)`;
    console.log(`skip: browser run: ${reason}; ${n} test(s) counted as skipped`);
    tallies.push({ runtime, passed: 0, failed: 0, skipped: n, seconds: (Date.now() - started) / 1000, notes: [`skipped: ${reason}`] });
    continue;
  }
  if (runtime === "deno" && !existsSync(DENO)) {
    // The deno npm package is a devDependency: a missing binary is a broken install, not a skip.
    tallies.push({ runtime, passed: 0, failed: 1, skipped: 0, seconds: 0, notes: [`${DENO} missing (run npm install)`] });
    continue;
  }
  const jsonFile = join(tmp, `${runtime}.json`);
  const result = await RUNNERS[runtime](jsonFile);
  tallies.push(tally(runtime, jsonFile, result, (Date.now() - started) / 1000));
  if (runtime === "deno" && extraArgs.length === 0) {
    // Deno's native runner too, so `deno test` usage of the library stays working.
    console.log("\n===== layerfs tests: deno test (test/deno/) =====");
    const t0 = Date.now();
    const xmlFile = join(tmp, "deno-test.xml");
    const r = await run(DENO, ["test", "-A", `--junit-path=${xmlFile}`]);
    tallies.push(tallyJunit("deno-test", xmlFile, r, (Date.now() - t0) / 1000));
  }
}
rmSync(tmp, { recursive: true, force: true });

const line = (t) => `${t.passed} passed, ${t.failed} failed${t.skipped ? `, ${t.skipped} skipped` : ""}`;
const total = { passed: 0, failed: 0, skipped: 0 };
console.log("\n===== layerfs test summary =====");
for (const t of tallies) {
  console.log(`${t.runtime.padEnd(10)} ${line(t)} (${t.seconds.toFixed(1)}s)`);
  for (const n of t.notes) console.log(`           ${n}`);
  total.passed += t.passed;
  total.failed += t.failed;
  total.skipped += t.skipped;
}
if (total.passed + total.failed === 0) console.log("no test ran: that counts as a failure (exit status 1)");
console.log(line(total));
process.exitCode = total.failed > 0 || total.passed + total.failed === 0 ? 1 : 0;
