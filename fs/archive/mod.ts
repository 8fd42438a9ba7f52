/** fs/archive — the baked root tree's format (POSIX ustar). */
export { packUstar, unpackUstar, type UstarEntry, type UstarType } from "./ustar.ts";
