/**
 * fsutil.ts — small file helpers the shell and its tools share: error text as the
 * NetBSD tools print it, whole-file reads and copies, path pieces.
 *
 * Rules: only the syscall API. `errText` gives strerror(3)'s text for an Errno and
 * rethrows anything else (a bug is not an error message). Every descriptor opened here
 * is closed on every path.
 */
import {
  Errno,
  O_CREAT,
  O_RDONLY,
  O_TRUNC,
  O_WRONLY,
  S_ISDIR,
  strerror,
  type Sys,
  type Wait,
} from "../../kernel/syscall/api.ts";
import { eprint, writeAll } from "./stdio.ts";

/** strerror(3) of `e`; rethrows what is not an Errno. */
export function errText(e: unknown): string {
  if (e instanceof Errno) return strerror(e.errno);
  throw e;
}

/** Prints `prog: what: strerror` on stderr (warn(3)'s shape). */
export function* warnErr(sys: Sys, prog: string, what: string, e: unknown): Wait {
  yield* eprint(sys, `${prog}: ${what}: ${errText(e)}\n`);
}

/** Reads all of `fd` from its offset to the end. */
export function* readAllFd(sys: Sys, fd: number): Wait<Uint8Array> {
  const chunks: Uint8Array[] = [];
  let total = 0;
  for (;;) {
    const buf = new Uint8Array(16384);
    const n = yield* sys.read(fd, buf);
    if (n === 0) break;
    chunks.push(buf.subarray(0, n));
    total += n;
  }
  const out = new Uint8Array(total);
  let off = 0;
  for (const c of chunks) {
    out.set(c, off);
    off += c.length;
  }
  return out;
}

/** Reads the whole file at `path`. */
export function* readFile(sys: Sys, path: string): Wait<Uint8Array> {
  const fd = yield* sys.open(path, O_RDONLY);
  try {
    return yield* readAllFd(sys, fd);
  } finally {
    yield* sys.close(fd);
  }
}

/** Copies the regular file `from` to `to` (made or truncated) with `from`'s permission bits. */
export function* copyFile(sys: Sys, from: string, to: string, mode: number): Wait {
  const src = yield* sys.open(from, O_RDONLY);
  try {
    const dst = yield* sys.open(to, O_WRONLY | O_CREAT | O_TRUNC, mode & 0o7777);
    try {
      const buf = new Uint8Array(65536);
      for (;;) {
        const n = yield* sys.read(src, buf);
        if (n === 0) break;
        yield* writeAll(sys, dst, buf.subarray(0, n));
      }
    } finally {
      yield* sys.close(dst);
    }
  } finally {
    yield* sys.close(src);
  }
}

/** The last component of `path` (basename(3)). */
export function basename(path: string): string {
  const p = path.replace(/\/+$/, "");
  if (p === "") return path.startsWith("/") ? "/" : ".";
  return p.slice(p.lastIndexOf("/") + 1);
}

/** `dir/name`, without doubling a slash. */
export function joinPath(dir: string, name: string): string {
  return dir.endsWith("/") ? dir + name : `${dir}/${name}`;
}

/** Names in directory `path` (with "." and ".." when `all`), sorted bytewise. */
export function* readDirNames(sys: Sys, path: string, all = true): Wait<string[]> {
  const fd = yield* sys.open(path, O_RDONLY | 0x00200000);
  const names: string[] = [];
  try {
    for (;;) {
      const batch = yield* sys.getdents(fd);
      if (batch.length === 0) break;
      for (const d of batch) if (all || !d.name.startsWith(".")) names.push(d.name);
    }
  } finally {
    yield* sys.close(fd);
  }
  return names.sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
}

/** True if `path` names a directory (following symbolic links); false if it names nothing. */
export function* isDir(sys: Sys, path: string): Wait<boolean> {
  try {
    return S_ISDIR((yield* sys.stat(path)).mode);
  } catch (e) {
    errText(e);
    return false;
  }
}
