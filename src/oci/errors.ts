/**
 * ImageError: every refusal of an image names the image, the file or blob, and
 * the reason, in one line; `code` says which kind of problem it is.
 */

/** What kind of problem an ImageError reports. */
export type ImageErrorCode =
  | "EFORMAT" // a document or archive is not what the spec says (bad JSON, missing field, wrong version)
  | "EDIGEST" // a digest string is not well formed (only sha256/sha512 + lowercase hex)
  | "EMISMATCH" // content does not match its digest, size or diffID
  | "EMISSING" // a referenced file or blob is absent
  | "ELIMIT" // a configured limit was exceeded (layers, document size, uncompressed size, depth)
  | "ECORRUPT" // decompression failed (corrupt gzip/zstd stream)
  | "ETAG" // tag not found, or several images and none named
  | "EPLATFORM" // no manifest for the wanted platform, or several and none chosen
  | "EUNSUPPORTED" // valid but not supported (encrypted layers, foreign layers not in the image)
  | "ELAYER"; // a layer tar could not be indexed

/** An image that cannot be loaded. `message` is one line: `IMAGE: WHERE: REASON`. */
export class ImageError extends Error {
  override readonly name = "ImageError";
  readonly code: ImageErrorCode;
  /** The image (path or description) and the file/blob inside it the error is about. */
  readonly image: string;
  readonly where: string | undefined;

  constructor(code: ImageErrorCode, image: string, where: string | undefined, reason: string, options?: { cause?: unknown }) {
    super(`${image}: ${where !== undefined ? where + ": " : ""}${reason}`, options);
    this.code = code;
    this.image = image;
    this.where = where;
  }
}

/** Is `e` an ImageError (optionally of one code)? */
export function isImageError(e: unknown, code?: ImageErrorCode): e is ImageError {
  return e instanceof ImageError && (code === undefined || e.code === code);
}

/** The message of any thrown value, for wrapping causes into one line. */
export function messageOf(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}
