/**
 * wget.ts — a minimal HTTP/1.1 client: fetches one URL and shows how it went.
 *
 *   wget [-q] [-t tail_bytes] http://host[:port]/path
 *
 * Sends `GET path HTTP/1.1` with Host and `Connection: close`, reads the whole response
 * until the server closes, prints the status line (not with -q) and the last `tail_bytes`
 * bytes of the content (default 200; 0 prints none).
 *
 * Rules it keeps:
 * - Framing (RFC 9112 §6.3): no content for HEAD-like statuses (1xx, 204, 304);
 *   `Transfer-Encoding: chunked` is decoded (§7.1); else Content-Length, and content
 *   shorter than it is an error; else content runs to the close.
 * - A host name is resolved by the libc's resolver (gethostbyname: /etc/hosts, then the
 *   DNS servers of /etc/resolv.conf); the first address is the one connected to.
 * - Exit status (GNU wget's codes): 0 for a 2xx response, 8 for any other status, 4 for a
 *   network failure (a name that does not resolve, connect refused, reset, short content), 1 for a malformed response,
 *   2 for a bad command line or URL.
 */
import {
  AF_INET,
  type App,
  CLOCK_MONOTONIC,
  gethostbyname,
  HostError,
  SOCK_STREAM,
  type Sys,
  type Wait,
} from "../kernel/syscall/api.ts";
import { getopt, intArg } from "./lib/getopt.ts";
import { readAllFd } from "./lib/fsutil.ts";
import { eprint, fail, print, STDOUT, writeAll } from "./lib/stdio.ts";

const USAGE = "usage: wget [-q] [-t tail_bytes] http://host[:port]/path\n";
const EXIT_PARSE = 2;
const EXIT_NETWORK = 4;
const EXIT_SERVER = 8;
const EXIT_PROTOCOL = 1;

export interface HttpUrl {
  host: string;
  port: number;
  /** The request-target: path and query, "/" at least. */
  path: string;
}

/** Parses `http://host[:port][/path]`; a string is the error. */
export function parseUrl(url: string): HttpUrl | string {
  const m = /^http:\/\/([^/:?#]+)(?::([0-9]{1,5}))?([/?][^#]*)?$/i.exec(url);
  if (m === null) return `malformed URL ${url} (want http://host[:port]/path)`;
  const port = m[2] === undefined ? 80 : Number(m[2]);
  if (port < 1 || port > 65535) return `bad port in ${url}`;
  let path = m[3] ?? "/";
  if (path.startsWith("?")) path = "/" + path;
  return { host: m[1], port, path };
}

export interface ParsedResponse {
  statusLine: string;
  status: number;
  headers: Array<[string, string]>;
  body: Uint8Array;
}

function latin1(b: Uint8Array): string {
  let s = "";
  for (let i = 0; i < b.length; i += 4096) {
    s += String.fromCharCode(...b.subarray(i, Math.min(b.length, i + 4096)));
  }
  return s;
}

/** Decodes chunked content (RFC 9112 §7.1); null when malformed or incomplete. */
function dechunk(b: Uint8Array): Uint8Array | null {
  const parts: Uint8Array[] = [];
  let i = 0;
  for (;;) {
    const lf = b.indexOf(0x0a, i);
    if (lf < 0) return null;
    const line = latin1(b.subarray(i, lf)).replace(/\r$/, "").split(";")[0].trim();
    if (!/^[0-9a-fA-F]+$/.test(line)) return null;
    const size = parseInt(line, 16);
    i = lf + 1;
    if (size === 0) break;
    if (i + size > b.length) return null;
    parts.push(b.subarray(i, i + size));
    i += size;
    if (b[i] === 0x0d) i++;
    if (b[i] !== 0x0a) return null;
    i++;
  }
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

/** Parses a whole response read to the close; a string is the error. */
export function parseResponse(raw: Uint8Array): ParsedResponse | string {
  const end = raw.findIndex((_, i) =>
    raw[i] === 0x0a && (raw[i + 1] === 0x0a || (raw[i + 1] === 0x0d && raw[i + 2] === 0x0a))
  );
  if (end < 0) return "the response ended before its header section did";
  const headText = latin1(raw.subarray(0, end)).replace(/\r/g, "");
  const bodyStart = end + (raw[end + 1] === 0x0a ? 2 : 3);
  const lines = headText.split("\n");
  const statusLine = lines[0];
  const m = /^HTTP\/1\.[0-9] ([0-9]{3})(?: .*)?$/.exec(statusLine);
  if (m === null) return `malformed status line: ${statusLine.slice(0, 80)}`;
  const status = Number(m[1]);
  const headers: Array<[string, string]> = [];
  for (const l of lines.slice(1)) {
    const c = l.indexOf(":");
    if (c <= 0) return `malformed header field: ${l.slice(0, 80)}`;
    headers.push([l.slice(0, c).toLowerCase(), l.slice(c + 1).trim()]);
  }
  const get = (n: string) => headers.find(([k]) => k === n)?.[1] ?? null;
  let body = raw.subarray(bodyStart);
  if ((status >= 100 && status < 200) || status === 204 || status === 304) {
    body = body.subarray(0, 0);
  } else if (/(^|,)\s*chunked\s*$/i.test(get("transfer-encoding") ?? "")) {
    const d = dechunk(body);
    if (d === null) return "malformed or incomplete chunked content";
    body = d;
  } else if (get("content-length") !== null) {
    const cl = get("content-length")!;
    if (!/^[0-9]+$/.test(cl)) return `bad Content-Length ${cl}`;
    const n = Number(cl);
    if (body.length < n) return `short content: ${body.length} of ${n} bytes`;
    body = body.subarray(0, n);
  }
  return { statusLine, status, headers, body };
}

function* main(sys: Sys, argv: string[]): Wait<number> {
  const g = getopt(argv.slice(1), "qt:");
  if (!g.ok || g.value.operands.length !== 1) {
    if (!g.ok) yield* eprint(sys, `wget: ${g.error}\n`);
    yield* eprint(sys, USAGE);
    return EXIT_PARSE;
  }
  const quiet = g.value.opts.has("q");
  const tail = intArg(g.value.opts.get("t") ?? "200", 0, 1 << 30);
  if (tail === null) return yield* fail(sys, "wget", "bad tail length", EXIT_PARSE);
  const url = parseUrl(g.value.operands[0]);
  if (typeof url === "string") return yield* fail(sys, "wget", url, EXIT_PARSE);
  const t0 = sys.clock_gettime(CLOCK_MONOTONIC);
  let addr: string;
  try {
    addr = (yield* gethostbyname(sys, url.host)).addrs[0];
  } catch (e) {
    if (!(e instanceof HostError)) throw e;
    return yield* fail(sys, "wget", `cannot resolve ${url.host}: ${e.message}`, EXIT_NETWORK);
  }
  const fd = sys.socket(AF_INET, SOCK_STREAM, 0);
  let raw: Uint8Array;
  try {
    yield* sys.connect(fd, { addr, port: url.port });
    const hostField = url.port === 80 ? url.host : `${url.host}:${url.port}`;
    const req = `GET ${url.path} HTTP/1.1\r\nHost: ${hostField}\r\nUser-Agent: rumpsim-wget\r\n` +
      `Connection: close\r\n\r\n`;
    yield* writeAll(sys, fd, new TextEncoder().encode(req));
    raw = yield* readAllFd(sys, fd);
  } catch (e) {
    yield* sys.close(fd);
    return yield* fail(
      sys,
      "wget",
      `${url.host}:${url.port}: ${(e as Error).message}`,
      EXIT_NETWORK,
    );
  }
  yield* sys.close(fd);
  const res = parseResponse(raw);
  if (typeof res === "string") return yield* fail(sys, "wget", res, EXIT_PROTOCOL);
  const t1 = sys.clock_gettime(CLOCK_MONOTONIC);
  const ms = ((t1.sec - t0.sec) * 1e9 + (t1.nsec - t0.nsec)) / 1e6;
  if (!quiet) {
    yield* print(sys, `${res.statusLine}\n`);
    yield* print(sys, `${res.body.length} bytes in ${ms.toFixed(3)} ms\n`);
  }
  if (tail > 0 && res.body.length > 0) {
    yield* writeAll(sys, STDOUT, res.body.subarray(Math.max(0, res.body.length - tail)));
  }
  return res.status >= 200 && res.status < 300 ? 0 : EXIT_SERVER;
}

export const wget: App = { name: "wget", main, summary: "fetch a URL over HTTP/1.1" };
export default wget;
