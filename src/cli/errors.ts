/** CLI errors: one line for the user, an exit status, never a stack trace. */
import { isFsError } from "../core/errno.ts";

/** Exit status for bad command lines (as getopt-style tools use). */
export const EXIT_USAGE = 2;
/** Exit status for runtime failures (missing files, I/O errors, bad programs). */
export const EXIT_FAILURE = 1;

export class CliError extends Error {
  readonly status: number;
  constructor(message: string, status = EXIT_FAILURE) {
    super(message);
    this.name = "CliError";
    this.status = status;
  }
}

/** A bad command line: printed with a hint to --help, exit status 2. */
export class UsageError extends CliError {
  readonly command: string | undefined;
  constructor(message: string, command?: string) {
    super(message, EXIT_USAGE);
    this.name = "UsageError";
    this.command = command;
  }
}

const DESCRIPTIONS: Record<string, string> = {
  ENOENT: "no such file or directory",
  ENOTDIR: "not a directory",
  EISDIR: "is a directory",
  EACCES: "permission denied",
  EPERM: "operation not permitted",
  EEXIST: "file exists",
  ELOOP: "too many levels of symbolic links",
  EINVAL: "invalid argument",
  ENAMETOOLONG: "file name too long",
  ENOTEMPTY: "directory not empty",
  ENOSPC: "no space left on device",
  EIO: "input/output error",
  EROFS: "read-only file system",
  EXDEV: "cross-device link",
};

/** Human text for an errno code ("ENOENT" -> "no such file or directory"). */
export function describeCode(code: string): string {
  return DESCRIPTIONS[code] ?? code;
}

/**
 * One line describing any thrown value: CliErrors as they are, FsErrors as
 * "PATH: description (CODE)", host errors by their code and message.
 */
export function errorLine(e: unknown): string {
  if (e instanceof CliError) return e.message;
  if (isFsError(e)) {
    const where = e.path !== undefined ? `${e.path}: ` : "";
    return `${where}${describeCode(e.code)} (${e.code}${e.syscall ? `, ${e.syscall}` : ""})`;
  }
  if (e instanceof Error) {
    const code = (e as { code?: unknown }).code;
    const first = e.message.split("\n")[0] ?? "";
    return typeof code === "string" && !first.includes(code) ? `${first} (${code})` : first;
  }
  return String(e);
}

/** Exit status for a thrown value. */
export function statusOf(e: unknown): number {
  return e instanceof CliError ? e.status : EXIT_FAILURE;
}
