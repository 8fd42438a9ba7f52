/**
 * handler.ts — what to answer: a parsed request + a synchronous view of the files → response.
 *
 * The server loop owns sockets and file reads; this file only decides. It sees the files
 * through `FileView`, which the caller implements over the syscall API.
 *
 * The FileView contract:
 * - Paths are absolute, "/"-separated, normalised (no ".", "..", "//" or trailing "/").
 * - `stat(path)` does NOT follow a final symbolic link (lstat): a link is "symlink".
 *   null means the path does not exist (or cannot be looked up).
 * - `resolve(path)`, if given, follows every link on the path (realpath(3)) and returns the
 *   canonical absolute path, or null when it is missing, dangling or loops. The handler
 *   itself refuses (403) any resolved path outside the resolved root — the caller need not
 *   (and must not be trusted to) do that check. Without `resolve` the handler cannot see
 *   through links, so a "symlink" stat is refused with 403; a view without `resolve` must
 *   then guarantee no intermediate component is a link.
 * - `list(path)` gives a directory's entries with their lstat, or null if unreadable.
 * - A view that cannot answer a `stat` or `list` yet (sys_view.ts's replay cache) answers
 *   `UNKNOWN`: `tryDecide` then stops at once, asking nothing more, and returns `UNKNOWN`
 *   (`decide` throws). A view that always answers never sees the difference.
 *
 * Decisions it keeps (thttpd habits, RFC 9110 rules):
 * - A directory named without its trailing slash → 301 to the slash form (query kept), as
 *   thttpd does, so relative links in the index or listing resolve against the directory.
 * - A directory → its first index file (index.html, index.htm) if that is a regular file,
 *   else a generated listing (403 when the directory has no other-read bit).
 * - A file named with a trailing slash → 404 (it is not a directory, ENOTDIR).
 * - Only world-readable files are served (mode & 0o004, thttpd's rule) → else 403.
 * - "other" files (devices, fifos, sockets) → 403.
 * - Files: preconditions (conditional.ts, → 304/412), then Range for GET only (RFC 9110
 *   §14.2: Range is defined for GET alone, so HEAD ignores it) → 206/416, else 200.
 * - Last-Modified is the mtime in whole seconds, never later than Date (§8.8.2.1).
 * - The connection closes when the request said so (keepAlive false); errors found here
 *   (403, 404, ...) do not close a persistent connection, the framing being intact.
 */

import type { HttpRequest, RequestError } from "./request.ts";
import { fieldValue } from "./request.ts";
import { encodePath, targetToPath } from "./path.ts";
import { contentTypeFor } from "./mime.ts";
import { formatHttpDate } from "./date.ts";
import { contentRange, parseRange, unsatisfiedRange } from "./range.ts";
import { evaluatePreconditions, ifRangeHolds } from "./conditional.ts";
import { renderListing } from "./listing.ts";
import {
  contentLengthField,
  errorResponse,
  type HeaderField,
  type HeadOptions,
  htmlResponse,
  type HttpResponse,
  redirectResponse,
  responseHeaders,
} from "./response.ts";

export interface FileStat {
  type: "file" | "dir" | "symlink" | "other";
  size: number;
  mtimeMs: number;
  /** Permission bits (st_mode & 0o7777). */
  mode: number;
}

/** A FileView's answer "not known yet" (see the contract above). */
export const UNKNOWN: unique symbol = Symbol("unknown");
export type Unknown = typeof UNKNOWN;

export interface FileView {
  stat(path: string): FileStat | null | Unknown;
  list(path: string): Array<{ name: string; stat: FileStat }> | null | Unknown;
  resolve?(path: string): string | null;
}

export interface HandlerOptions {
  nowMs: number;
  /** The document root in the file view's namespace, e.g. "/www". */
  root: string;
  /** Index file names tried in a directory, in order. */
  indexNames?: readonly string[];
  /** Generate listings for directories without an index (default true). */
  listings?: boolean;
}

const S_IROTH = 0o004;

type Located =
  | { kind: "ok"; path: string; stat: FileStat }
  | { kind: "missing" }
  | { kind: "forbidden" }
  | { kind: "unknown" };

const MISSING: Located = { kind: "missing" };
const FORBIDDEN: Located = { kind: "forbidden" };
const NOT_YET: Located = { kind: "unknown" };
const ACCEPT_RANGES: HeaderField = ["Accept-Ranges", "bytes"];
/** Content-Type fields already built, by value (the few types a site has). */
const typeFields = new Map<string, HeaderField>();
/** The last Last-Modified field built (most responses are of the same few files). */
let lastModField: HeaderField = ["Last-Modified", ""];

function within(path: string, root: string): boolean {
  if (root === "/") return path.startsWith("/");
  // path === root, or path starts with root + "/"
  return path.startsWith(root) &&
    (path.length === root.length || path.charCodeAt(root.length) === 0x2f);
}

/** Finds what `path` names, refusing anything that resolves outside the root. */
function locate(fs: FileView, path: string, root: string): Located {
  let real = path;
  if (fs.resolve) {
    const realRoot = fs.resolve(root) ?? root;
    const r = fs.resolve(path);
    if (r === null) return MISSING;
    if (!within(r, realRoot)) return FORBIDDEN;
    real = r;
  }
  const stat = fs.stat(real);
  if (stat === UNKNOWN) return NOT_YET;
  if (stat === null) return MISSING;
  if (stat.type === "symlink") return FORBIDDEN;
  return { kind: "ok", path: real, stat };
}

/** `s` without its trailing slashes (what `s.replace(/\/+$/, "")` gives). */
function trimSlashes(s: string): string {
  let e = s.length;
  while (e > 0 && s.charCodeAt(e - 1) === 0x2f) e--;
  return e === s.length ? s : s.slice(0, e);
}

function join(dir: string, name: string): string {
  return dir === "/" ? "/" + name : `${dir}/${name}`;
}

/** Decides the response to a request that parsed cleanly. */
export function decide(req: HttpRequest, fs: FileView, opts: HandlerOptions): HttpResponse {
  const res = tryDecide(req, fs, opts);
  if (res === UNKNOWN) throw new Error("decide: the file view answered UNKNOWN");
  return res;
}

/** `decide`, or UNKNOWN as soon as the view answers UNKNOWN (asking nothing after it). */
export function tryDecide(
  req: HttpRequest,
  fs: FileView,
  opts: HandlerOptions,
): HttpResponse | Unknown {
  const o = {
    nowMs: opts.nowMs,
    close: !req.keepAlive,
    minor: req.minor,
    head: req.method === "HEAD",
  };
  if (req.method !== "GET" && req.method !== "HEAD") return errorResponse(405, o);
  const t = targetToPath(req.target);
  if (!t.ok) return errorResponse(t.status, o);
  const docPath = t.path;

  const root = opts.root.length > 1 ? trimSlashes(opts.root) : "/";
  const rel = docPath.endsWith("/") ? docPath.slice(0, -1) : docPath;
  const fsPath = rel === "" ? root : root === "/" ? rel : root + rel;
  const found = locate(fs, fsPath, root);
  if (found.kind === "unknown") return UNKNOWN;
  if (found.kind === "missing") return errorResponse(404, o);
  if (found.kind === "forbidden") return errorResponse(403, o);
  const { path, stat } = found;

  if (stat.type === "dir") {
    if (!docPath.endsWith("/")) {
      const q = t.query === null ? "" : "?" + t.query;
      return redirectResponse(encodePath(docPath) + "/" + q, o);
    }
    for (const name of opts.indexNames ?? ["index.html", "index.htm"]) {
      const idx = locate(fs, join(path, name), root);
      if (idx.kind === "unknown") return UNKNOWN;
      if (idx.kind === "forbidden") return errorResponse(403, o);
      if (idx.kind === "ok" && idx.stat.type === "file") {
        return serveFile(req, idx.path, idx.stat, o);
      }
    }
    if (opts.listings === false || (stat.mode & S_IROTH) === 0) return errorResponse(403, o);
    const entries = fs.list(path);
    if (entries === UNKNOWN) return UNKNOWN;
    if (entries === null) return errorResponse(403, o);
    const html = renderListing(docPath, entries.map((e) => ({ name: e.name, ...e.stat })));
    return htmlResponse(200, html, [], o);
  }
  if (stat.type !== "file") return errorResponse(403, o);
  if (docPath.endsWith("/")) return errorResponse(404, o);
  return serveFile(req, path, stat, o);
}

function serveFile(
  req: HttpRequest,
  path: string,
  stat: FileStat,
  o: HeadOptions & { head: boolean },
): HttpResponse {
  if ((stat.mode & S_IROTH) === 0) return errorResponse(403, o);
  const lastMod = Math.min(Math.floor(stat.mtimeMs / 1000), Math.floor(o.nowMs / 1000)) * 1000;
  const lmText = formatHttpDate(lastMod);
  if (lastModField[1] !== lmText) lastModField = ["Last-Modified", lmText];
  const lm = lastModField;

  const pre = evaluatePreconditions(req.method, req.fields, lastMod, o.nowMs);
  if (pre === 412) return errorResponse(412, o);
  if (pre === 304) {
    // §15.4.5: no content; Last-Modified helps caches since we send no ETag.
    return { status: 304, headers: responseHeaders([lm], o), body: null, close: o.close };
  }

  const typeValue = contentTypeFor(path);
  let type = typeFields.get(typeValue);
  if (type === undefined) {
    type = ["Content-Type", typeValue];
    if (typeFields.size < 256) typeFields.set(typeValue, type);
  }
  const ar = ACCEPT_RANGES;
  const range = fieldValue(req.fields, "range");
  if (req.method === "GET" && range !== null && ifRangeHolds(req.fields, lastMod, o.nowMs)) {
    const r = parseRange(range, stat.size);
    if (r === "unsatisfiable") {
      return errorResponse(416, { ...o, extra: [["Content-Range", unsatisfiedRange(stat.size)]] });
    }
    if (r !== null) {
      const fields: HeaderField[] = [
        type,
        ["Content-Length", String(r.end - r.start + 1)],
        ["Content-Range", contentRange(r, stat.size)],
        lm,
        ar,
      ];
      return {
        status: 206,
        headers: responseHeaders(fields, o),
        body: { file: path, start: r.start, end: r.end + 1 },
        close: o.close,
      };
    }
  }
  const fields: HeaderField[] = [type, contentLengthField(stat.size), lm, ar];
  return {
    status: 200,
    headers: responseHeaders(fields, o),
    body: o.head ? null : { file: path, start: 0, end: stat.size },
    close: o.close,
  };
}

/** The response to a parser error (400, 405, 413, 414, 431, 501, 505). */
export function decideError(err: RequestError, nowMs: number): HttpResponse {
  return errorResponse(err.status, {
    nowMs,
    close: err.close,
    minor: err.minor,
    head: err.method === "HEAD",
  });
}

/** The response sent before closing an idle or too-slow connection (RFC 9110 §15.5.9). */
export function timeoutResponse(nowMs: number): HttpResponse {
  return errorResponse(408, { nowMs, close: true, minor: 1, head: false });
}
