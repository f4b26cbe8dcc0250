// One runner of bench/tools/big-io.mts's kinds, WARM runs then one marked run:
// lstat("/MARK-start") and lstat("/MARK-end") bracket it, for `strace -f` to cut
// out the host calls of exactly that run. Not part of `npm run bench`.
// usage: strace -f -o OUT node --import tsx bench/tools/one-run.mts layerfs|node readbig|writebig|writebig-upper|churn|churn-upper [WARM]
import { lstatSync, mkdirSync } from "node:fs";
import { benchArgs, underCli, underNodeWasi } from "../lib/guest.ts";
import { bigBytes, hostTree, removeGuestOutput, removeTree } from "../lib/trees.ts";

const [kind = "layerfs", work = "readbig", warmArg = "3"] = process.argv.slice(2);
const DIR = process.env.BIG_IO_DIR ?? "/dev/shm/layerfs-big-io";
const plain = `${DIR}/plain`, upper = `${DIR}/upper`, scratch = `${DIR}/scratch`;
hostTree(plain, [], bigBytes(256 * 1024 * 1024));
mkdirSync(scratch, { recursive: true });
const args = benchArgs(work);
const hostUpper = work.endsWith("-upper");
const once = async () => {
  if (kind === "node") {
    const r = await underNodeWasi(plain, args, scratch);
    removeGuestOutput(plain);
    return r;
  }
  if (hostUpper) removeTree(upper);
  return underCli(hostUpper ? ["--layer", plain, "--upper", upper] : ["--layer", plain], args);
};
process.removeAllListeners("warning");
for (let i = 0; i < Number(warmArg); i++) await once();
lstatSync("/MARK-start", { throwIfNoEntry: false });
const r = await once();
lstatSync("/MARK-end", { throwIfNoEntry: false });
console.log(kind, work, r.ms);
