#!/usr/bin/python3 -IS
"""overlay-oracle.py: run a shell command on real kernel overlayfs and print what the kernel made of it.

usage: overlay-oracle.py [-o OPTS] [--mtime] [--no-cmd-output] [--timeout S] LOWERS UPPER COMMAND

  LOWERS   lower layers in aufs/OCI form (`.wh.NAME` files, `.wh..wh..opq` markers),
           colon-separated, TOP FIRST (the order of overlayfs's lowerdir=). They are read,
           never changed: each is copied into a temporary directory in overlayfs form.
  UPPER    an empty or missing directory; receives the kernel's upper layer (overlayfs form).
  COMMAND  run as `bash -c COMMAND` in the merged directory, as root, in a private mount
           namespace (unshare(CLONE_NEWNS), as `unshare -m --propagation private`): nothing
           outside sees the mount, and it is gone when the oracle ends.

Output (stdout), one section per `## ` line:
  ## command (exit status N)   the command ("$ " lines) and its output ("| " lines)
  ## merged                    the merged tree
  ## upper-oci                 the upper layer in OCI form (`wh` rows for whiteouts, `opq` rows
                               for opaque markers; a renamed directory (redirect_dir=on) becomes
                               an opaque directory holding its whole merged subtree)
  ## check                     OK when the upper, applied over the lowers by OCI rules, gives the
                               merged tree again (an independent model), else MISMATCH + the diff
  ## warnings                  "- " lines
Listing rows are TAB separated: path type mode uid:gid size sha256 target link [mtime], the
format of test/support/oracle-format.ts (sorted by path bytes, root not listed, `link` = the
smallest path of a hard-link group, non-printable bytes as \\xNN, backslash doubled).

Exit status: 0 ok; 3 the upper cannot be an OCI layer (a `.wh.` name made through the mount,
or the check failed); 2 usage or setup error (not root, mount refused, bad arguments).

A `.wh..wh..opq` at the root of a lower is refused (status 2): overlayfs ignores the opaque
xattr on a layer root, while in OCI form that marker hides every layer below. Give the oracle
only the layers above it, without the marker (test/oracle/harness.ts writeLowers does).
Needs /usr/bin/python3 (stdlib only; -IS: no site packages, no PYTHON* variables), util-linux mount, bash.
"""
import argparse
import ctypes
import hashlib
import os
import shutil
import signal
import stat
import subprocess
import sys
import tempfile

WH = b".wh."
OPQ = b".wh..wh..opq"
AUFS_META = b".wh..wh."
OPAQUE_XATTR = "trusted.overlay.opaque"
REDIRECT_XATTR = "trusted.overlay.redirect"
METACOPY_XATTR = "trusted.overlay.metacopy"
XWHITEOUT_XATTR = "trusted.overlay.whiteout"
DEFAULT_OPTIONS = {"index": "off", "metacopy": "off", "redirect_dir": "off"}
KIND = {stat.S_IFDIR: "d", stat.S_IFREG: "f", stat.S_IFLNK: "l", stat.S_IFCHR: "c",
        stat.S_IFBLK: "b", stat.S_IFIFO: "p", stat.S_IFSOCK: "s"}
PROG = "overlay-oracle.py"
CLONE_NEWNS = 0x00020000
MS_REC, MS_PRIVATE = 0x4000, 1 << 18


class SetupError(Exception):
    """A usage or setup problem: reported on stderr, exit status 2."""


# ---------------------------------------------------------------- listing rows ---

def escape(path):
    """The listing's path escaping (bytes in, str out)."""
    return "".join("\\\\" if c == 0x5C else chr(c) if 0x20 <= c < 0x7F else "\\x%02x" % c for c in path)


def file_sha256(path):
    h = hashlib.sha256()
    with open(path, "rb") as f:
        while chunk := f.read(1 << 20):
            h.update(chunk)
    return h.hexdigest()


def describe(path, st, data_path=None):
    """One object's listed attributes. `data_path` holds its data (default: path itself)."""
    kind = KIND.get(stat.S_IFMT(st.st_mode), "?")
    row = {"type": kind, "mode": "%04o" % stat.S_IMODE(st.st_mode), "own": "%d:%d" % (st.st_uid, st.st_gid),
           "size": "-", "sha": "-", "target": "-", "mtime": str(st.st_mtime_ns // 10**9)}
    if kind == "f":
        row["size"] = str(st.st_size)
        row["sha"] = file_sha256(data_path or path)
    elif kind == "l":
        target = os.readlink(path)
        row["size"] = str(len(target))
        row["target"] = escape(target)
    elif kind in "cb":
        row["target"] = "%d:%d" % (os.major(st.st_rdev), os.minor(st.st_rdev))
    return row


MARKER_ROW = {"type": "-", "mode": "-", "own": "-", "size": "-", "sha": "-", "target": "-", "mtime": "-"}


def marker(kind):
    return dict(MARKER_ROW, type=kind)


def render(entries, with_mtime):
    """entries: {path bytes: (row, identity or None)} -> listing lines (sorted by path bytes)."""
    groups = {}
    for path, (row, ident) in entries.items():
        if ident is not None and row["type"] not in ("d", "wh", "opq"):
            groups.setdefault(ident, []).append(path)
    link = {}
    for paths in groups.values():
        if len(paths) > 1:
            first = min(paths)
            for p in paths:
                link[p] = first
    lines = []
    for path in sorted(entries):
        row = entries[path][0]
        cols = [escape(path), row["type"], row["mode"], row["own"], row["size"], row["sha"], row["target"],
                escape(link[path]) if path in link else "-"]
        if with_mtime:
            cols.append(row["mtime"])
        lines.append("\t".join(cols))
    return lines


def join(rel, name):
    return rel + b"/" + name if rel else name


def xattr(path, name):
    try:
        return os.getxattr(path, name, follow_symlinks=False)
    except OSError:
        return None


def tree(root, rel=b""):
    """(relative path, absolute path, lstat) of everything under root, parents first."""
    for name in sorted(os.listdir(os.path.join(root, rel) if rel else root)):
        r = join(rel, name)
        p = os.path.join(root, r)
        st = os.lstat(p)
        yield r, p, st
        if stat.S_ISDIR(st.st_mode):
            yield from tree(root, r)


def list_tree(root):
    return {r: (describe(p, st), ("merged", st.st_dev, st.st_ino)) for r, p, st in tree(root)}


# ------------------------------------------------ lowers: OCI form -> overlayfs ---

class LowerCopy:
    """Copies one OCI-form layer into overlayfs form: `.wh.X` becomes a 0:0 character device
    (or, beside a directory X of the same layer, makes X opaque: it hides only lower layers),
    `.wh..wh..opq` becomes the opaque xattr, aufs `.wh..wh.*` internals are left out."""

    def __init__(self, src, dst, label, warn):
        self.src, self.dst, self.label, self.warn = src, dst, label, warn
        self.copied = {}  # (dev, ino) of a multiply linked source file -> its copy
        self.times = []   # (copy, atime_ns, mtime_ns), set last: writing into a directory changes it

    def run(self):
        if os.path.lexists(os.path.join(self.src, OPQ)):
            raise SetupError(f"lower {self.label} has {OPQ.decode()} at its root: overlayfs ignores an opaque "
                             "marker on a layer root, while in OCI form it hides every layer below; "
                             "pass only the layers above it, without the marker")
        os.mkdir(self.dst)
        self.attributes(self.src, self.dst, os.lstat(self.src))
        self.directory(b"")
        for path, atime, mtime in reversed(self.times):
            os.utime(path, ns=(atime, mtime), follow_symlinks=False)

    def attributes(self, src, dst, st):
        os.lchown(dst, st.st_uid, st.st_gid)
        if not stat.S_ISLNK(st.st_mode):
            os.chmod(dst, stat.S_IMODE(st.st_mode))  # after chown, which clears set-ID bits
        self.times.append((dst, st.st_atime_ns, st.st_mtime_ns))

    def directory(self, rel):
        src_dir = os.path.join(self.src, rel) if rel else self.src
        dst_dir = os.path.join(self.dst, rel) if rel else self.dst
        names = sorted(os.listdir(src_dir))
        plain = [n for n in names if not n.startswith(WH)]
        for name in plain:
            self.entry(join(rel, name))
        for name in names:
            if not name.startswith(WH):
                continue
            where = escape(join(rel, name))
            if name == OPQ:
                os.setxattr(dst_dir, OPAQUE_XATTR, b"y", follow_symlinks=False)
            elif name.startswith(AUFS_META):
                self.warn(f"lower {self.label}: aufs-internal entry {where} ignored")
            elif name == WH:
                self.warn(f"lower {self.label}: whiteout {where} names nothing; ignored")
            else:
                hidden = os.path.join(dst_dir, name[len(WH):])
                if not os.path.lexists(hidden):
                    os.mknod(hidden, stat.S_IFCHR | 0o600, os.makedev(0, 0))
                elif os.path.isdir(hidden) and not os.path.islink(hidden):
                    os.setxattr(hidden, OPAQUE_XATTR, b"y", follow_symlinks=False)
                # a same-layer non-directory X simply survives: nothing to write

    def entry(self, rel):
        src, dst = os.path.join(self.src, rel), os.path.join(self.dst, rel)
        st = os.lstat(src)
        mode = st.st_mode
        if stat.S_ISDIR(mode):
            os.mkdir(dst)
            self.attributes(src, dst, st)
            self.directory(rel)
            return
        key = (st.st_dev, st.st_ino)
        if st.st_nlink > 1 and key in self.copied:
            os.link(self.copied[key], dst)  # hard links within a layer stay hard links
            return
        if stat.S_ISREG(mode):
            shutil.copyfile(src, dst, follow_symlinks=False)
        elif stat.S_ISLNK(mode):
            os.symlink(os.readlink(src), dst)
        elif stat.S_ISFIFO(mode):
            os.mkfifo(dst)
        elif stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
            if stat.S_ISCHR(mode) and st.st_rdev == 0:
                self.warn(f"lower {self.label}: character device 0:0 {escape(rel)} reads as a whiteout on overlayfs")
            os.mknod(dst, stat.S_IFMT(mode) | 0o600, st.st_rdev)
        else:
            self.warn(f"lower {self.label}: socket {escape(rel)} not copied")
            return
        self.copied[key] = dst
        self.attributes(src, dst, st)


# ------------------------------------------------------ upper: overlayfs -> OCI ---

def is_whiteout(path, st):
    if stat.S_ISCHR(st.st_mode) and st.st_rdev == 0:
        return True
    return stat.S_ISREG(st.st_mode) and st.st_size == 0 and xattr(path, XWHITEOUT_XATTR) is not None


def upper_to_oci(upper, merged, warn):
    """The upper layer in OCI form. Returns (entries, representable)."""
    entries = {}
    representable = True

    def walk(rel):
        nonlocal representable
        for name in sorted(os.listdir(os.path.join(upper, rel) if rel else upper)):
            r = join(rel, name)
            up = os.path.join(upper, r)
            st = os.lstat(up)
            if is_whiteout(up, st):
                entries[join(rel, WH + name)] = (marker("wh"), None)
                continue
            if name.startswith(WH):
                representable = False
                warn(f"UNREPRESENTABLE: {escape(r)} was made through the mount; in an OCI layer a name "
                     "with the whiteout prefix reads as a whiteout")
            if not stat.S_ISDIR(st.st_mode):
                data = up
                if xattr(up, METACOPY_XATTR) is not None:
                    data = os.path.join(merged, r)  # metadata-only copy-up: the data is still below
                    warn(f"metacopy upper file {escape(r)}: data read through the merged view")
                entries[r] = (describe(up, st, data), ("upper", st.st_dev, st.st_ino))
                continue
            entries[r] = (describe(up, st), None)
            redirect = xattr(up, REDIRECT_XATTR)
            if redirect is not None:
                # OCI has no redirects: the renamed directory becomes an opaque one holding
                # its whole merged subtree (what layerfs's deep rename writes, SEMANTICS rule 11).
                warn(f"redirected directory {escape(r)} (from {escape(redirect)}) written as an opaque "
                     "directory with its merged contents")
                entries[join(r, OPQ)] = (marker("opq"), None)
                for sub, mp, mst in tree(merged, r):
                    entries[sub] = (describe(mp, mst), ("merged", mst.st_dev, mst.st_ino))
                continue
            if xattr(up, OPAQUE_XATTR) == b"y":
                entries[join(r, OPQ)] = (marker("opq"), None)
            walk(r)

    walk(b"")
    return entries, representable


# ------------------------------------------------------ check: an OCI model ---

def read_oci_layer(root, index):
    """An OCI-form layer on disk -> (entries, whiteouts, opaque dirs)."""
    entries, whiteouts, opaques = {}, [], []
    for r, p, st in tree(root):
        parent, _, name = r.rpartition(b"/")
        if name == OPQ:
            opaques.append(parent)
        elif name.startswith(AUFS_META):
            continue
        elif name.startswith(WH):
            whiteouts.append(join(parent, name[len(WH):]))
        else:
            entries[r] = (describe(p, st), ("lower", index, st.st_dev, st.st_ino))
    return entries, whiteouts, opaques


def split_oci_entries(listing):
    """Listed OCI-form entries -> (entries, whiteouts, opaque dirs)."""
    entries, whiteouts, opaques = {}, [], []
    for path, (row, ident) in listing.items():
        parent, _, name = path.rpartition(b"/")
        if row["type"] == "opq":
            opaques.append(parent)
        elif row["type"] == "wh" or name.startswith(WH):  # OCI reads any .wh. name as a whiteout
            whiteouts.append(join(parent, name[len(WH):]))
        else:
            entries[path] = (row, ident)
    return entries, whiteouts, opaques


def apply_oci(layers):
    """Apply OCI-form layers, bottom first: opaque markers, then whiteouts, then the entries."""
    view = {}

    def drop(path, keep_self=False):
        prefix = path + b"/" if path else b""
        for k in [k for k in view if (k == path and not keep_self) or k.startswith(prefix)]:
            del view[k]

    for entries, whiteouts, opaques in layers:
        for d in opaques:
            drop(d, keep_self=True)
        for w in whiteouts:
            drop(w)
        for path in sorted(entries):
            old = view.get(path)
            if not (old and old[0]["type"] == "d" and entries[path][0]["type"] == "d"):
                drop(path)
            view[path] = entries[path]
    return view


# --------------------------------------------------------------------- driver ---

def mount_options(extra, lowerdir, upper, work):
    opts = dict(DEFAULT_OPTIONS)
    order = list(DEFAULT_OPTIONS)
    for item in filter(None, (extra or "").split(",")):
        key, eq, value = item.partition("=")
        if key not in opts:
            order.append(key)
        opts[key] = value if eq else None
    if opts.get("metacopy") == "on" and "redirect_dir=" not in "," + (extra or ""):
        opts["redirect_dir"] = "on"  # the kernel refuses metacopy=on with redirect_dir=off
    pairs = [f"lowerdir={lowerdir}", f"upperdir={upper}", f"workdir={work}"]
    pairs += [k if opts[k] is None else f"{k}={opts[k]}" for k in order]
    return ",".join(pairs)


def private_mount_namespace():
    """What `unshare --mount --propagation private` does, in this process: mounts made from
    here on (and by the command, a child) are seen by no one else and vanish with us."""
    libc = ctypes.CDLL(None, use_errno=True)
    if libc.unshare(CLONE_NEWNS) != 0:
        raise SetupError(f"unshare -m refused: {os.strerror(ctypes.get_errno())}")
    if libc.mount(b"none", b"/", None, MS_REC | MS_PRIVATE, None) != 0:
        raise SetupError(f"making / private in the new mount namespace failed: {os.strerror(ctypes.get_errno())}")


def run_command(command, merged, timeout, warn):
    """bash -c COMMAND in the merged directory: (exit status, output)."""
    proc = subprocess.Popen(["bash", "-c", command], cwd=merged, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, start_new_session=True, env=dict(os.environ, LC_ALL="C.UTF-8"))
    try:
        output, _ = proc.communicate(timeout=timeout)
        status = proc.returncode
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        output, _ = proc.communicate()
        status = 124
        warn(f"command killed after {timeout:g} s")
    return status, output.decode("utf8", "replace")


def parse_args(argv):
    title, _, rest = __doc__.partition("\n")
    p = argparse.ArgumentParser(prog=PROG, description=title, epilog=rest.split("\n", 3)[3],
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("-o", dest="options", metavar="OPTS", default="",
                   help="overlay mount options, merged key by key over index=off,metacopy=off,redirect_dir=off")
    p.add_argument("--mtime", action="store_true", help="add an mtime column (whole seconds) to the listings")
    p.add_argument("--no-cmd-output", action="store_true", help="do not echo the command's output")
    p.add_argument("--timeout", type=float, default=300, metavar="S",
                   help="kill the command (its whole process group) after S seconds (default 300)")
    p.add_argument("lowers", help="lower layers, top first, colon-separated")
    p.add_argument("upper", help="empty upper directory")
    p.add_argument("command", help="bash command run in the merged directory")
    return p.parse_args(argv)


def oracle(args):
    if not sys.platform.startswith("linux"):
        raise SetupError("overlayfs needs Linux")
    if os.geteuid() != 0:
        raise SetupError("must run as root (it mounts overlayfs in a private mount namespace)")
    lowers = [os.path.realpath(l) for l in args.lowers.split(":")]
    for l in lowers:
        if not os.path.isdir(l):
            raise SetupError(f"lower {l} is not a directory")
    os.makedirs(args.upper, exist_ok=True)
    upper = os.path.realpath(args.upper)
    if os.listdir(upper):
        raise SetupError(f"upper {upper} is not empty")
    if "," in upper or ":" in upper:
        raise SetupError(f"upper {upper}: overlayfs options cannot carry ',' or ':' in a path")

    warnings = []
    tmp = tempfile.mkdtemp(prefix="overlay-oracle.")
    merged = os.path.join(tmp, "merged")
    work = None
    mounted = False
    try:
        # workdir must be on the upper's filesystem: the temp dir if it is, else beside the upper
        parent = tmp if os.stat(tmp).st_dev == os.stat(upper).st_dev else os.path.dirname(upper)
        work = tempfile.mkdtemp(prefix=".overlay-oracle-work.", dir=parent)
        copies = []
        for i, l in enumerate(lowers):
            copies.append(os.path.join(tmp, f"lower{i}"))
            LowerCopy(os.fsencode(l), os.fsencode(copies[-1]), l, warnings.append).run()
        os.mkdir(merged)
        private_mount_namespace()
        options = mount_options(args.options, ":".join(copies), upper, work)
        r = subprocess.run(["mount", "-t", "overlay", "overlay", "-o", options, merged], capture_output=True, text=True)
        if r.returncode != 0:
            raise SetupError(f"overlay mount refused: {(r.stderr or r.stdout).strip()}")
        mounted = True
        with open("/proc/self/mounts") as f:
            effective = next((line.split()[3] for line in f if line.split()[1] == merged), "?")
        status, output = run_command(args.command, merged, args.timeout, warnings.append)
        merged_list = list_tree(os.fsencode(merged))
        upper_list, representable = upper_to_oci(os.fsencode(upper), os.fsencode(merged), warnings.append)
    finally:
        # Detach first (lazily: a process the command left behind may still use it), so
        # removing the temp directory can never reach through the mount into the upper.
        if mounted and subprocess.run(["umount", "-l", merged], capture_output=True).returncode != 0:
            print(f"{PROG}: could not unmount {merged}; left in place", file=sys.stderr)
        else:
            shutil.rmtree(tmp, ignore_errors=True)
        if work:
            shutil.rmtree(work, ignore_errors=True)

    model = apply_oci([read_oci_layer(os.fsencode(l), i) for i, l in reversed(list(enumerate(lowers)))]
                      + [split_oci_entries(upper_list)])
    merged_lines = render(merged_list, args.mtime)
    model_lines = render(model, args.mtime)

    out = [f"# {PROG}  kernel={os.uname().release}",
           f"# lowers (top first): {args.lowers}",
           f"# upper: {upper}",
           f"# mount options: {effective.replace(tmp, '<tmp>')}",
           f"## command (exit status {status})"]
    out += ["$ " + line for line in args.command.split("\n")]
    if not args.no_cmd_output:
        out += ["| " + line for line in output.splitlines()]
    out += ["## merged", *merged_lines, "## upper-oci", *render(upper_list, args.mtime), "## check"]
    if merged_lines == model_lines:
        out.append("OK applying upper-oci over the lowers (OCI rules) reproduces merged")
    else:
        out.append("MISMATCH applying upper-oci over the lowers (OCI rules) does not reproduce merged:")
        kernel_only, model_only = set(merged_lines) - set(model_lines), set(model_lines) - set(merged_lines)
        out += ["  kernel-merged: " + l for l in merged_lines if l in kernel_only]
        out += ["  oci-model:     " + l for l in model_lines if l in model_only]
    out.append("## warnings")
    out += ["- " + w for w in sorted(set(warnings))]
    sys.stdout.write("\n".join(out) + "\n")
    return 0 if merged_lines == model_lines and representable else 3


def main(argv):
    args = parse_args(argv)
    try:
        return oracle(args)
    except SetupError as e:
        print(f"{PROG}: {e}", file=sys.stderr)
        return 2
    except OSError as e:
        print(f"{PROG}: {e}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
