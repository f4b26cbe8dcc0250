/** Host-directory layers: DirLayer, its lock error, and the HostFs port hosts implement. */
export { DirLayer } from "./dir-layer.ts";
export type { DirLayerOptions } from "./dir-layer.ts";
export { LayerInUseError } from "./lock.ts";
export { MAX_SHARED_NAMES, RACY_WINDOW_MS, SharedDirIndex, sharedIndexOf } from "./shared-index.ts";
export type { SharedDirIndexOptions } from "./shared-index.ts";
export type { HostFs, HostStat, HostDirent, HostOpenOptions, HostFileKind, HostProcesses, ProcessIdentity } from "./host-fs.ts";
