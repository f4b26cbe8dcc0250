// The scenario DSL of the kernel differential tests: each step has a shell form (run by
// overlay-oracle.py in the kernel's merged directory) and a Union form (run through the
// layerfs fs-style API). Paths are relative to the union root ("a/b"); the Union form
// prefixes "/". No node:* imports here: the Union side is portable.
import { isFsError } from "../../src/core/errno.ts";
import type { Union, UnionOptions } from "../../src/core/union.ts";

/** A MemoryLayer.from-style layer spec (see PLAN.md). */
export type LayerSpec = Record<string, unknown>;

export type Step =
  /** `printf %s DATA > PATH`: open O_WRONLY|O_CREAT|O_TRUNC (mode 0644 under umask 022). */
  | { op: "write"; path: string; data: string }
  /** `printf %s DATA >> PATH`. */
  | { op: "append"; path: string; data: string }
  /** Write DATA at byte OFFSET without truncating: `printf %s DATA | dd conv=notrunc seek=OFFSET`. */
  | { op: "pwrite"; path: string; offset: number; data: string }
  /** `truncate -s SIZE PATH` (PATH must exist: GNU truncate would create it). */
  | { op: "truncate"; path: string; size: number }
  /** `: 1<> PATH`: open O_RDWR|O_CREAT and write nothing (a copy-up trigger by itself). */
  | { op: "openw"; path: string }
  /** `cat PATH`: read only, must not copy up. */
  | { op: "read"; path: string }
  /**
   * Rule 9: open PATH read-only, append DATA through a second descriptor (a copy-up),
   * then read everything through the first one. Result: "ok:" + what was read.
   */
  | { op: "readAcrossCopyUp"; path: string; data: string }
  /**
   * Rule 16: the inode number before and after a copy-up by `via` (append for files,
   * chmod 0700 for anything). Result: "ok:same" or "ok:different".
   */
  | { op: "inoAcrossCopyUp"; path: string; via: "append" | "chmod" }
  | { op: "chmod"; path: string; mode: number }
  | { op: "chown"; path: string; uid: number; gid: number }
  /** `touch [-h] -d @TIME PATH` (PATH must exist: touch would create it). */
  | { op: "touch"; path: string; time: number; noFollow?: boolean }
  | { op: "rm"; path: string }
  | { op: "rmr"; path: string }
  | { op: "rmdir"; path: string }
  /** `mkdir [-m MODE] PATH`; the default mode is 0755 on both sides (umask 022). */
  | { op: "mkdir"; path: string; mode?: number }
  /**
   * rename(2): `mv -T FROM TO`, or with `raw` a bare os.rename in python (mv falls back
   * to copy + delete on EXDEV, so strict-EXDEV scenarios need the raw call).
   */
  | { op: "mv"; from: string; to: string; raw?: boolean }
  /** link(2) without following a symlink source: `ln -P FROM TO`. */
  | { op: "link"; from: string; to: string }
  | { op: "symlink"; target: string; path: string };

export interface Scenario {
  name: string;
  /**
   * Lower layers, bottom first (MemoryLayer.from specs). A `.wh..wh..opq` at a layer's
   * root hides every layer below it (SEMANTICS); the kernel, which ignores it there, is
   * given only the layers from the topmost such one up (harness.ts kernelBottom).
   */
  lowers: LayerSpec[];
  steps: Step[];
  /** Mount the kernel with redirect_dir=on (directory renames; SEMANTICS.md rule 11). */
  redirectDir?: boolean;
  unionOptions?: UnionOptions;
  /**
   * How the kernel side runs the steps: "shell" (default: coreutils commands, see
   * shellForm) or "syscalls" (one python process making the exact system calls, for
   * generated scenarios where coreutils' own checks and fallbacks would get in the way).
   */
  runner?: "shell" | "syscalls";
}

/** Result of one step: "ok" (or "ok:" + output, see withOutput) or an errno code such as "ENOTEMPTY". */
export type StepResult = string;

/** Whether a successful step reports its output in its result. */
export function withOutput(step: Step): boolean {
  return step.op === "readAcrossCopyUp" || step.op === "inoAcrossCopyUp";
}

export function shellQuote(s: string): string {
  return "'" + s.replace(/'/g, `'\\''`) + "'";
}

/** The shell command of one step (run in the merged directory). */
export function shellForm(step: Step): string {
  const q = shellQuote;
  switch (step.op) {
    case "write": return `printf %s ${q(step.data)} > ${q(step.path)}`;
    case "append": return `printf %s ${q(step.data)} >> ${q(step.path)}`;
    case "pwrite":
      return `printf %s ${q(step.data)} | dd of=${q(step.path)} bs=1 seek=${step.offset} conv=notrunc status=none`;
    case "truncate": return `truncate -s ${step.size} -- ${q(step.path)}`;
    case "openw": return `: 1<> ${q(step.path)}`;
    case "read": return `cat -- ${q(step.path)} > /dev/null`;
    case "readAcrossCopyUp":
      return `exec 3< ${q(step.path)} && printf %s ${q(step.data)} >> ${q(step.path)} && cat <&3`;
    case "inoAcrossCopyUp":
      return `a=$(stat -c %i -- ${q(step.path)}) && ` +
        (step.via === "append" ? `printf x >> ${q(step.path)}` : `chmod 0700 -- ${q(step.path)}`) +
        ` && b=$(stat -c %i -- ${q(step.path)}) && { [ "$a" = "$b" ] && echo same || echo different; }`;
    case "chmod": return `chmod ${step.mode.toString(8).padStart(4, "0")} -- ${q(step.path)}`;
    case "chown": return `chown ${step.uid}:${step.gid} -- ${q(step.path)}`;
    case "touch": return `touch ${step.noFollow ? "-h " : ""}-d @${step.time} -- ${q(step.path)}`;
    case "rm": return `rm -- ${q(step.path)}`;
    case "rmr": return `rm -r -- ${q(step.path)}`;
    case "rmdir": return `rmdir -- ${q(step.path)}`;
    case "mkdir":
      return step.mode === undefined ? `mkdir -- ${q(step.path)}`
        : `mkdir -m ${step.mode.toString(8).padStart(4, "0")} -- ${q(step.path)}`;
    case "mv":
      return step.raw
        ? `/usr/bin/python3 -c 'import os,sys; os.rename(sys.argv[1], sys.argv[2])' ${q(step.from)} ${q(step.to)}`
        : `mv -T -- ${q(step.from)} ${q(step.to)}`;
    case "link": return `ln -P -- ${q(step.from)} ${q(step.to)}`;
    case "symlink": return `ln -s -- ${q(step.target)} ${q(step.path)}`;
  }
}

/**
 * The whole scenario as one bash script. Each step runs in a subshell with its
 * output captured; a marker line reports its exit status and message:
 *   @@STEP <TAB> index <TAB> status <TAB> message (newlines and tabs flattened)
 */
export function shellScript(steps: readonly Step[]): string {
  const lines = ["umask 022"];
  steps.forEach((s, i) => {
    lines.push(`o=$( { ${shellForm(s)} ; } 2>&1 ); rc=$?; printf '@@STEP\\t%s\\t%s\\t%s\\n' ${i} "$rc" "$(printf %s "$o" | tr '\\n\\t' '  ')"`);
  });
  return lines.join("\n");
}

// The "syscalls" runner: each step as the bare system call(s) the Union form makes.
const PY_RUNNER = String.raw`
import os, sys, json, errno
os.umask(0o022)
def rmr(p):
    if os.path.isdir(p) and not os.path.islink(p):
        for n in os.listdir(p): rmr(os.path.join(p, n))
        os.rmdir(p)
    else:
        os.unlink(p)
def run(s):
    op = s['op']; p = s.get('path')
    if op in ('write', 'append', 'pwrite', 'openw'):
        fl = os.O_WRONLY | os.O_CREAT | {'write': os.O_TRUNC, 'append': os.O_APPEND}.get(op, 0)
        if op == 'openw': fl = os.O_RDWR | os.O_CREAT
        fd = os.open(p, fl, 0o666)
        try:
            if op == 'pwrite': os.pwrite(fd, s['data'].encode(), s['offset'])
            elif op != 'openw': os.write(fd, s['data'].encode())
        finally: os.close(fd)
    elif op == 'truncate': os.truncate(p, s['size'])
    elif op == 'read':
        with open(p, 'rb') as f: f.read()
    elif op == 'readAcrossCopyUp':
        r = os.open(p, os.O_RDONLY)
        try:
            w = os.open(p, os.O_WRONLY | os.O_APPEND)
            os.write(w, s['data'].encode()); os.close(w)
            return os.pread(r, 1 << 20, 0).decode()
        finally: os.close(r)
    elif op == 'inoAcrossCopyUp':
        a = os.stat(p).st_ino
        if s['via'] == 'append':
            w = os.open(p, os.O_WRONLY | os.O_APPEND); os.write(w, b'x'); os.close(w)
        else: os.chmod(p, 0o700)
        return 'same' if os.stat(p).st_ino == a else 'different'
    elif op == 'chmod': os.chmod(p, s['mode'])
    elif op == 'chown': os.chown(p, s['uid'], s['gid'])
    elif op == 'touch': os.utime(p, (s['time'], s['time']), follow_symlinks=not s.get('noFollow'))
    elif op == 'rm': os.unlink(p)
    elif op == 'rmr': rmr(p)
    elif op == 'rmdir': os.rmdir(p)
    elif op == 'mkdir': os.mkdir(p, s.get('mode', 0o777))
    elif op == 'mv': os.rename(s['from'], s['to'])
    elif op == 'link': os.link(s['from'], s['to'], follow_symlinks=False)
    elif op == 'symlink': os.symlink(s['target'], p)
    else: raise Exception('unknown op ' + op)
for i, s in enumerate(json.loads(sys.argv[1])):
    try:
        out = run(s)
        print('@@STEP\t%d\t0\t%s' % (i, (out or '').replace('\n', ' ').replace('\t', ' ')))
    except OSError as e:
        print('@@STEP\t%d\t1\terrno:%s' % (i, errno.errorcode.get(e.errno, str(e.errno))))
    sys.stdout.flush()
`;

/** The steps as one python process making the system calls (runner "syscalls"). */
export function syscallScript(steps: readonly Step[]): string {
  return `/usr/bin/python3 -I -S -c ${shellQuote(PY_RUNNER)} ${shellQuote(JSON.stringify(steps))}`;
}

/**
 * The errno behind a failing coreutils command, from its message (strerror text,
 * plus mv's own pre-check wording). undefined = not recognised.
 */
export function errnoFromMessage(msg: string): string | undefined {
  if (msg.startsWith("errno:")) return msg.slice(6); // from the syscalls runner
  const table: [RegExp, string][] = [
    [/cannot overwrite non-directory/, "ENOTDIR"],
    [/cannot overwrite directory .* with non-directory/, "EISDIR"],
    [/to a subdirectory of itself/, "EINVAL"],
    [/hard link not allowed for directory/, "EPERM"],
    [/No such file or directory/, "ENOENT"],
    [/File exists/, "EEXIST"],
    [/Directory not empty/, "ENOTEMPTY"],
    [/Not a directory/, "ENOTDIR"],
    [/Is a directory/, "EISDIR"],
    [/Invalid cross-device link/, "EXDEV"],
    [/Operation not permitted/, "EPERM"],
    [/Permission denied/, "EACCES"],
    [/Invalid argument/, "EINVAL"],
    [/Too many levels of symbolic links/, "ELOOP"],
    [/File name too long/, "ENAMETOOLONG"],
    [/Device or resource busy/, "EBUSY"],
  ];
  for (const [re, code] of table) if (re.test(msg)) return code;
  return undefined;
}

const te = new TextEncoder();

function abs(p: string): string {
  return "/" + p;
}

function removeRecursive(u: Union, path: string): void {
  const st = u.lstat(path);
  if (st.type === "dir") {
    for (const name of u.readdir(path)) removeRecursive(u, path + "/" + name);
    u.rmdir(path);
  } else {
    u.unlink(path);
  }
}

/** Apply one step to a union through its fs-style API; returns the step's output, if any. */
export function unionForm(u: Union, step: Step): string | void {
  switch (step.op) {
    case "write":
      u.writeFile(abs(step.path), step.data, { mode: 0o644 });
      return;
    case "append": {
      const f = u.open(abs(step.path), { write: true, create: true, mode: 0o644 });
      try {
        f.write(te.encode(step.data), f.stat().size);
      } finally {
        f.close();
      }
      return;
    }
    case "pwrite": {
      const f = u.open(abs(step.path), { write: true, create: true, mode: 0o644 });
      try {
        f.write(te.encode(step.data), step.offset);
      } finally {
        f.close();
      }
      return;
    }
    case "truncate": u.truncate(abs(step.path), step.size); return;
    case "openw": u.open(abs(step.path), { write: true, create: true, mode: 0o644 }).close(); return;
    case "read": u.readFile(abs(step.path)); return;
    case "readAcrossCopyUp": {
      const reader = u.open(abs(step.path));
      try {
        const writer = u.open(abs(step.path), { write: true });
        try {
          writer.write(te.encode(step.data), writer.stat().size);
        } finally {
          writer.close();
        }
        const buf = new Uint8Array(reader.stat().size + 64);
        let n = 0;
        for (let got; (got = reader.read(buf.subarray(n), n)) > 0;) n += got;
        return new TextDecoder().decode(buf.subarray(0, n));
      } finally {
        reader.close();
      }
    }
    case "inoAcrossCopyUp": {
      const before = u.stat(abs(step.path)).ino;
      if (step.via === "append") unionForm(u, { op: "append", path: step.path, data: "x" });
      else u.chmod(abs(step.path), 0o700);
      return u.stat(abs(step.path)).ino === before ? "same" : "different";
    }
    case "chmod": u.chmod(abs(step.path), step.mode); return;
    case "chown": u.chown(abs(step.path), step.uid, step.gid); return;
    case "touch":
      if (step.noFollow) u.lutimes(abs(step.path), step.time, step.time);
      else u.utimes(abs(step.path), step.time, step.time);
      return;
    case "rm": u.unlink(abs(step.path)); return;
    case "rmr": removeRecursive(u, abs(step.path)); return;
    case "rmdir": u.rmdir(abs(step.path)); return;
    case "mkdir": u.mkdir(abs(step.path), step.mode ?? 0o755); return;
    case "mv": u.rename(abs(step.from), abs(step.to)); return;
    case "link": u.link(abs(step.from), abs(step.to)); return;
    case "symlink": u.symlink(step.target, abs(step.path)); return;
  }
}

/** Run all steps on the union; each result is "ok" or the thrown errno code. */
export function runUnionSteps(u: Union, steps: readonly Step[]): StepResult[] {
  return steps.map((s) => {
    try {
      const out = unionForm(u, s);
      return withOutput(s) ? "ok:" + (out ?? "") : "ok";
    } catch (e) {
      // Anything but an FsError escaping the union is a bug in itself.
      return isFsError(e) ? e.code : `non-FsError exception: ${String(e)}`;
    }
  });
}
