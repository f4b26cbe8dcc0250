/** Node kinds of a TarIndex (a Uint8Array column). */
export const KIND_FILE = 1;
export const KIND_DIR = 2;
export const KIND_SYMLINK = 3;
