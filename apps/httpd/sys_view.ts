/**
 * sys_view.ts — the handler's FileView over the syscall API, and `decideOnSys`, which
 * runs the synchronous `decide` against it.
 *
 * `decide` (handler.ts) asks its FileView synchronously, but every file-system call is a
 * generator that may wait. So the view is a cache filled by replay: `decide` (as
 * `tryDecide`) runs against the cache; a question the cache cannot answer is answered
 * UNKNOWN, which stops `tryDecide` right there (no exception is thrown); the loop does the
 * lookup with the syscalls (lstat; open + getdents + lstat for a listing; realpath
 * written on lstat + readlink), caches the answer and runs `decide` again. `decide` is
 * pure, so each replay asks the same questions up to the new one; every round adds one
 * answer (the root's and the target's realpath share one: see `CachedView`), and a request
 * needs only a handful (root, target, index files, listing). The lstats realpath makes
 * answer the same request's later questions about those paths (a file under the root: two
 * rounds, two lstats).
 *
 * Rules it keeps:
 * - The cache lives for one request only: nothing stale is ever served.
 * - ENOENT, ENOTDIR, ENAMETOOLONG, ELOOP and EACCES on a lookup mean "cannot be looked up"
 *   (null): the handler turns that into 404. Any other Errno is unexpected and escapes as
 *   `ServeError`, which the server answers with 500.
 * - realpath: absolute input, "." / ".." / "//" handled lexically after each expansion, at
 *   most MAXSYMLINKS (32) links followed, then null (ELOOP), as namei does.
 * - With a `base` (thttpd's chdir into the document root at startup: the server passes the
 *   real path of its working directory), a path under it is looked up relative to the
 *   working directory — fewer components for namei to walk, and the base itself, resolved
 *   once, is not lstat'ed again. Paths outside it (a link's absolute target) stay absolute.
 */
import {
  Errno,
  errno,
  O_DIRECTORY,
  O_RDONLY,
  S_IFDIR,
  S_IFLNK,
  S_IFMT,
  S_IFREG,
  type Stat,
  type Sys,
  type Wait,
} from "../../kernel/syscall/api.ts";
import {
  type FileStat,
  type FileView,
  type HandlerOptions,
  tryDecide,
  UNKNOWN,
  type Unknown,
} from "./handler.ts";
import type { HttpRequest } from "./request.ts";
import type { HttpResponse } from "./response.ts";

const MAXSYMLINKS = 32;
/** How many rounds of replay one request may take before it is refused as a 500. */
const MAX_ROUNDS = 256;

/** An unexpected error while looking at the files: answer 500. */
export class ServeError extends Error {
  constructor(override readonly cause: unknown) {
    super(cause instanceof Error ? cause.message : String(cause));
  }
}

const LOOKUP_ERRORS = new Set([
  errno.ENOENT,
  errno.ENOTDIR,
  errno.ENAMETOOLONG,
  errno.ELOOP,
  errno.EACCES,
]);

function isLookupFailure(e: unknown): boolean {
  return e instanceof Errno && LOOKUP_ERRORS.has(e.errno);
}

/** st_mode & co. → the handler's FileStat. */
export function fileStatOf(st: Stat): FileStat {
  const fmt = st.mode & S_IFMT;
  const type = fmt === S_IFREG
    ? "file"
    : fmt === S_IFDIR
    ? "dir"
    : fmt === S_IFLNK
    ? "symlink"
    : "other";
  return {
    type,
    size: st.size,
    mtimeMs: st.mtime.sec * 1000 + Math.floor(st.mtime.nsec / 1e6),
    mode: st.mode & 0o7777,
  };
}

/**
 * The name to hand the syscalls for absolute `path` when the working directory is `base`
 * (a real directory, or undefined for none): relative under it, `path` itself elsewhere.
 */
export function sysPath(path: string, base: string | undefined): string {
  if (base === undefined || base === "/" || !path.startsWith(base)) return path;
  if (path.length === base.length) return ".";
  return path.charCodeAt(base.length) === SLASH ? path.slice(base.length + 1) : path;
}

/** lstat, with a lookup failure as null. */
function* lstatOrNull(sys: Sys, path: string, base?: string): Wait<FileStat | null> {
  try {
    return fileStatOf(yield* sys.lstat(sysPath(path, base)));
  } catch (e) {
    if (isLookupFailure(e)) return null;
    throw new ServeError(e);
  }
}

/** A directory's entries with their lstat (entries that vanish meanwhile are left out). */
export function* listDir(
  sys: Sys,
  path: string,
  base?: string,
): Wait<Array<{ name: string; stat: FileStat }> | null> {
  let fd: number;
  try {
    fd = yield* sys.open(sysPath(path, base), O_RDONLY | O_DIRECTORY);
  } catch (e) {
    if (isLookupFailure(e)) return null;
    throw new ServeError(e);
  }
  const out: Array<{ name: string; stat: FileStat }> = [];
  try {
    for (;;) {
      const ents = yield* sys.getdents(fd);
      if (ents.length === 0) break;
      for (const d of ents) {
        if (d.name === "." || d.name === "..") continue;
        const st = yield* lstatOrNull(
          sys,
          path === "/" ? "/" + d.name : `${path}/${d.name}`,
          base,
        );
        if (st !== null) out.push({ name: d.name, stat: st });
      }
    }
  } catch (e) {
    if (e instanceof ServeError) throw e;
    throw new ServeError(e);
  } finally {
    yield* sys.close(fd);
  }
  return out;
}

/**
 * realpath(3) on lstat and readlink: the canonical absolute path of `path` with every
 * symbolic link followed, or null when a component is missing, not a directory, or the
 * links loop. With `view`, lstats are taken from and added to `view.stats`, and each
 * link-free directory prefix is recorded as its own real path in `view.real`. With `base`
 * (the working directory's real path), a path under it is walked from there, relatively.
 */
export function* realpath(
  sys: Sys,
  path: string,
  view?: { stats: Map<string, FileStat | null>; real: Map<string, string | null> },
  base?: string,
): Wait<string | null> {
  // What is left to walk is rest[pos..], "/"-separated (empty segments are skipped); a
  // link's target is put in front of it. `cur` is the path walked so far ("" at the root).
  // While `plain`, `cur` is rest[0, pos) (absolute, single slashes, plain names, no link).
  let rest = path;
  let pos = 0;
  let cur = "";
  let links = 0;
  let plain = path.charCodeAt(0) === SLASH;
  if (base !== undefined && base !== "/" && sysPath(path, base) !== path) {
    cur = base; // rest[0, pos) is `base`, a real directory: the walk goes on from there
    pos = base.length;
  }
  for (;;) {
    const from = pos;
    while (pos < rest.length && rest.charCodeAt(pos) === SLASH) pos++;
    if (pos === rest.length) break;
    if (pos !== from + 1) plain = false;
    const start = pos;
    pos = rest.indexOf("/", start);
    if (pos < 0) pos = rest.length;
    const len = pos - start;
    if (
      rest.charCodeAt(start) === DOT &&
      (len === 1 || (len === 2 && rest.charCodeAt(start + 1) === DOT))
    ) {
      plain = false;
      if (len === 2) cur = cur.slice(0, Math.max(0, cur.lastIndexOf("/"))); // ".."
      continue;
    }
    const here = plain ? rest.slice(0, pos) : cur + "/" + rest.slice(start, pos);
    let st = view?.stats.get(here);
    if (st === undefined) {
      try {
        st = fileStatOf(yield* sys.lstat(sysPath(here, base)));
      } catch (e) {
        if (!isLookupFailure(e)) throw new ServeError(e);
        st = null;
      }
      view?.stats.set(here, st);
    }
    if (st === null) return null;
    if (st.type === "symlink") {
      if (++links > MAXSYMLINKS) return null;
      let target: string;
      try {
        target = yield* sys.readlink(sysPath(here, base));
      } catch (e) {
        if (isLookupFailure(e)) return null;
        throw new ServeError(e);
      }
      if (target.startsWith("/")) cur = "";
      rest = target + "/" + rest.slice(pos);
      pos = 0;
      plain = false;
      continue;
    }
    if (st.type !== "dir" && onlyClimbs(rest, pos) === false) {
      // A file in the middle of a path: ENOTDIR unless what follows only climbs back.
      return null;
    }
    cur = here;
    // With no link followed, the path so far is its own real path (`here` was lstat'ed).
    if (links === 0 && st.type === "dir") view?.real.set(here, here);
  }
  return cur === "" ? "/" : cur;
}

const SLASH = 0x2f;
const DOT = 0x2e;

/**
 * Whether the segments of rest[pos..] are all "." or ".." (true), or there is none
 * (null), or one names something (false).
 */
function onlyClimbs(rest: string, pos: number): boolean | null {
  let any = false;
  for (const seg of rest.slice(pos).split("/")) {
    if (seg === "") continue;
    if (seg !== "." && seg !== "..") return false;
    any = true;
  }
  return any ? true : null;
}

/**
 * A FileView answering from a cache; a question not yet answered is answered UNKNOWN and
 * noted in `missOp`/`missPath` (`tryDecide` stops there). The one exception saves a round:
 * `decide` always asks `resolve(root)` and `resolve(path)` back to back (handler.ts
 * `locate`), so an unknown `resolve` is noted in `wanted` and answered provisionally with
 * its own path, and the round goes on until the next question of any other kind (answered
 * UNKNOWN) or the end of `decide`; then the noted resolves are answered, in the order
 * asked, and whatever the round concluded from the provisional answers is thrown away.
 * The lookups are the same ones, in the same order, as one round per question.
 */
class CachedView implements FileView {
  readonly stats = new Map<string, FileStat | null>();
  /** Made at the first listing (most requests need none). */
  lists: Map<string, Array<{ name: string; stat: FileStat }> | null> | null = null;
  readonly real = new Map<string, string | null>();
  /** resolve questions answered provisionally this round. */
  readonly wanted: string[] = [];
  /** The question answered UNKNOWN this round, if any. */
  missOp: "stat" | "list" | null = null;
  missPath = "";

  stat(path: string): FileStat | null | Unknown {
    const st = this.wanted.length > 0 ? undefined : this.stats.get(path);
    if (st !== undefined) return st;
    this.missOp = "stat";
    this.missPath = path;
    return UNKNOWN;
  }
  list(path: string): Array<{ name: string; stat: FileStat }> | null | Unknown {
    const l = this.wanted.length > 0 ? undefined : this.lists?.get(path);
    if (l !== undefined) return l;
    this.missOp = "list";
    this.missPath = path;
    return UNKNOWN;
  }
  resolve(path: string): string | null {
    const r = this.real.get(path);
    if (r !== undefined) return r;
    if (this.real.has(path)) return null;
    this.wanted.push(path);
    return path;
  }
}

/**
 * Decides the response to `req` looking at the files through `sys`. Throws `ServeError`
 * for an unexpected Errno (the caller answers 500). `base`: the real path of the working
 * directory, if paths under it are to be looked up relative to it (see the rules above).
 */
export function* decideOnSys(
  sys: Sys,
  req: HttpRequest,
  opts: HandlerOptions,
  base?: string,
): Wait<HttpResponse> {
  const view = new CachedView();
  if (base !== undefined) view.real.set(base, base);
  for (let round = 0; round < MAX_ROUNDS; round++) {
    view.missOp = null;
    const res = tryDecide(req, view, opts);
    if (view.wanted.length > 0) {
      for (const path of view.wanted) {
        if (!view.real.has(path)) view.real.set(path, yield* realpath(sys, path, view, base));
      }
      view.wanted.length = 0;
    } else if (res !== UNKNOWN) return res;
    else if (view.missOp === "stat") {
      view.stats.set(view.missPath, yield* lstatOrNull(sys, view.missPath, base));
    } else {
      const lists = view.lists ??= new Map();
      lists.set(view.missPath, yield* listDir(sys, view.missPath, base));
    }
  }
  throw new ServeError(new Error("too many file lookups for one request"));
}
