/** TarError: what indexTar throws on an archive it refuses. */

/** A refused tar archive: names the byte offset of the header, the entry (when known) and the reason. */
export class TarError extends Error {
  /** Offset of the header block (or record) at fault. */
  readonly offset: number;
  /** The entry's name as far as it was decoded ("" when unknown). */
  readonly entry: string;
  readonly reason: string;
  /** The archive (path or label) when known. */
  readonly archive: string | undefined;

  constructor(offset: number, entry: string, reason: string, archive?: string) {
    super(`${archive ?? "tar"}: ${reason} at offset ${offset}${entry ? ` (entry ${JSON.stringify(entry)})` : ""}`);
    this.name = "TarError";
    this.offset = offset;
    this.entry = entry;
    this.reason = reason;
    this.archive = archive;
  }
}

/** Is `e` a TarError (shape check: works across module copies)? */
export function isTarError(e: unknown): e is TarError {
  return e instanceof TarError || (e instanceof Error && e.name === "TarError" && typeof (e as TarError).offset === "number");
}
