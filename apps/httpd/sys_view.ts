/**
 * sys_view.ts — the handler's FileView over the syscall API, and `decideOnSys`, which
 * runs the synchronous `decide` against it.
 *
 * `decide` (handler.ts) asks its FileView synchronously, but every file-system call is a
 * generator that may wait. So the view is a cache filled by replay: `decide` runs against
 * the cache; a question the cache cannot answer throws `Miss` naming it; the loop does the
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
import { decide, type FileStat, type FileView, type HandlerOptions } from "./handler.ts";
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

type Question = { op: "stat" | "list"; path: string };

class Miss {
  constructor(readonly q: Question) {}
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

/** lstat, with a lookup failure as null. */
function* lstatOrNull(sys: Sys, path: string): Wait<FileStat | null> {
  try {
    return fileStatOf(yield* sys.lstat(path));
  } catch (e) {
    if (isLookupFailure(e)) return null;
    throw new ServeError(e);
  }
}

/** A directory's entries with their lstat (entries that vanish meanwhile are left out). */
export function* listDir(
  sys: Sys,
  path: string,
): Wait<Array<{ name: string; stat: FileStat }> | null> {
  let fd: number;
  try {
    fd = yield* sys.open(path, O_RDONLY | O_DIRECTORY);
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
        const st = yield* lstatOrNull(sys, path === "/" ? "/" + d.name : `${path}/${d.name}`);
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
 * link-free directory prefix is recorded as its own real path in `view.real`.
 */
export function* realpath(
  sys: Sys,
  path: string,
  view?: { stats: Map<string, FileStat | null>; real: Map<string, string | null> },
): Wait<string | null> {
  let pending = path.split("/").filter((s) => s !== "");
  const done: string[] = [];
  let cur = ""; // "/" + done.join("/"), or "" at the root
  let links = 0;
  while (pending.length > 0) {
    const seg = pending.shift()!;
    if (seg === ".") continue;
    if (seg === "..") {
      done.pop();
      cur = done.length === 0 ? "" : "/" + done.join("/");
      continue;
    }
    const here = cur + "/" + seg;
    let st: FileStat | null;
    if (view?.stats.has(here)) st = view.stats.get(here)!;
    else {
      st = yield* lstatOrNull(sys, here);
      view?.stats.set(here, st);
    }
    if (st === null) return null;
    if (st.type === "symlink") {
      if (++links > MAXSYMLINKS) return null;
      let target: string;
      try {
        target = yield* sys.readlink(here);
      } catch (e) {
        if (isLookupFailure(e)) return null;
        throw new ServeError(e);
      }
      const t = target.split("/").filter((s) => s !== "");
      if (target.startsWith("/")) {
        done.length = 0;
        cur = "";
      }
      pending = [...t, ...pending];
      continue;
    }
    if (st.type !== "dir" && pending.length > 0) {
      // A file in the middle of a path: ENOTDIR unless what follows only climbs back.
      if (pending.some((s) => s !== "." && s !== "..")) return null;
    }
    done.push(seg);
    cur = here;
    // With no link followed, the path so far is its own real path (`here` was lstat'ed).
    if (links === 0 && st.type === "dir") view?.real.set(here, here);
  }
  return cur === "" ? "/" : cur;
}

/**
 * A FileView answering from a cache; a question not yet answered throws `Miss`. The one
 * exception saves a round: `decide` always asks `resolve(root)` and `resolve(path)` back
 * to back (handler.ts `locate`), so an unknown `resolve` is noted in `wanted` and answered
 * provisionally with its own path, and the round goes on until the next question of any
 * other kind or the end of `decide`; then the noted resolves are answered, in the order
 * asked, and whatever the round concluded from the provisional answers is thrown away.
 * The lookups are the same ones, in the same order, as one round per question.
 */
class CachedView implements FileView {
  readonly stats = new Map<string, FileStat | null>();
  readonly lists = new Map<string, Array<{ name: string; stat: FileStat }> | null>();
  readonly real = new Map<string, string | null>();
  /** resolve questions answered provisionally this round. */
  readonly wanted: string[] = [];

  stat(path: string): FileStat | null {
    if (this.wanted.length > 0 || !this.stats.has(path)) throw new Miss({ op: "stat", path });
    return this.stats.get(path)!;
  }
  list(path: string): Array<{ name: string; stat: FileStat }> | null {
    if (this.wanted.length > 0 || !this.lists.has(path)) throw new Miss({ op: "list", path });
    return this.lists.get(path)!;
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
 * for an unexpected Errno (the caller answers 500).
 */
export function* decideOnSys(
  sys: Sys,
  req: HttpRequest,
  opts: HandlerOptions,
): Wait<HttpResponse> {
  const view = new CachedView();
  for (let round = 0; round < MAX_ROUNDS; round++) {
    let q: Question | null = null;
    try {
      const res = decide(req, view, opts);
      if (view.wanted.length === 0) return res;
    } catch (e) {
      if (!(e instanceof Miss)) throw e;
      q = e.q;
    }
    if (view.wanted.length > 0) {
      for (const path of view.wanted) {
        if (!view.real.has(path)) view.real.set(path, yield* realpath(sys, path, view));
      }
      view.wanted.length = 0;
    } else if (q!.op === "stat") view.stats.set(q!.path, yield* lstatOrNull(sys, q!.path));
    else view.lists.set(q!.path, yield* listDir(sys, q!.path));
  }
  throw new ServeError(new Error("too many file lookups for one request"));
}
