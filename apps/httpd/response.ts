/**
 * response.ts — building HTTP/1.1 responses: status line, header fields, error pages.
 *
 * Rules it keeps:
 * - The status line always says HTTP/1.1, also to HTTP/1.0 clients: a server sends the
 *   highest version it conforms to within the request's major version (RFC 9112 §2.3).
 * - Every response carries Date (RFC 9110 §6.6.1: an origin server with a clock MUST) and
 *   Server; fields appear in a fixed order so output is byte-for-byte reproducible:
 *   Date, Server, then the caller's fields, then Connection.
 * - Connection (RFC 9112 §9.3, §9.6): "close" when the server will close; "keep-alive"
 *   only for a persistent HTTP/1.0 connection (HTTP/1.1 persists by default, so nothing).
 * - Content-Length is the length the body has (or would have, for HEAD: RFC 9110 §9.3.2
 *   lets the server send the GET fields); HEAD responses carry no body; 1xx, 204 and 304
 *   carry neither body nor Content-Length (RFC 9110 §8.6, §15.4.5).
 * - Error bodies are small fixed HTML pages in UTF-8; they never echo request text.
 */

import { formatHttpDate } from "./date.ts";
import { escapeHtml } from "./html.ts";

export const SERVER_NAME = "rumpsim-httpd";

/** A header field as sent: name in its usual capitalisation, value. */
export type HeaderField = readonly [name: string, value: string];

/** A body: bytes, or a slice of a file the server loop reads itself (end exclusive). */
export type ResponseBody = Uint8Array | { file: string; start: number; end: number };

export interface HttpResponse {
  status: number;
  /** Every field to send, in order (Date and Server included). */
  headers: HeaderField[];
  /** What follows the head; null for HEAD, 304 and the like. */
  body: ResponseBody | null;
  /** Close the connection after sending this response. */
  close: boolean;
}

/** Reason phrases (RFC 9110 §15). */
export const REASONS: Readonly<Record<number, string>> = {
  200: "OK",
  206: "Partial Content",
  301: "Moved Permanently",
  304: "Not Modified",
  400: "Bad Request",
  403: "Forbidden",
  404: "Not Found",
  405: "Method Not Allowed",
  408: "Request Timeout",
  412: "Precondition Failed",
  413: "Content Too Large",
  414: "URI Too Long",
  416: "Range Not Satisfiable",
  431: "Request Header Fields Too Large",
  500: "Internal Server Error",
  501: "Not Implemented",
  503: "Service Unavailable",
  505: "HTTP Version Not Supported",
};

export function reasonPhrase(status: number): string {
  return REASONS[status] ?? "Unknown";
}

/** The value of Allow: what this server implements (RFC 9110 §10.2.1). */
export const ALLOW = "GET, HEAD";

/** The response head as text: status line, field lines, empty line (RFC 9112 §4, §5). */
export function headText(status: number, headers: readonly HeaderField[]): string {
  let s = statusLine(status);
  for (const [n, v] of headers) s += `${n}: ${v}\r\n`;
  return s + "\r\n";
}

/** Status lines already built, by status. */
const statusLines = new Map<number, string>();

/** "HTTP/1.1 200 OK\r\n" */
function statusLine(status: number): string {
  let s = statusLines.get(status);
  if (s === undefined) {
    s = `HTTP/1.1 ${status} ${reasonPhrase(status)}\r\n`;
    if (statusLines.size < 1000) statusLines.set(status, s);
  }
  return s;
}

/** Writes `s` (one byte per character, ISO-8859-1) into `out` from `at`. */
export function latin1Into(s: string, out: Uint8Array, at = 0): void {
  putLatin1(s, out, at);
}

/** latin1Into, returning where the next byte goes. */
function putLatin1(s: string, out: Uint8Array, at: number): number {
  for (let i = 0; i < s.length; i++) out[at + i] = s.charCodeAt(i) & 0xff;
  return at + s.length;
}

/** The length of `headText(status, headers)`, without building it. */
function headLength(status: number, headers: readonly HeaderField[]): number {
  let n = statusLine(status).length + 2;
  for (let i = 0; i < headers.length; i++) n += headers[i][0].length + headers[i][1].length + 4;
  return n;
}

/** Writes `headText(status, headers)` into `out` from 0 (field by field, no string built). */
function putHead(status: number, headers: readonly HeaderField[], out: Uint8Array): number {
  let at = putLatin1(statusLine(status), out, 0);
  for (let i = 0; i < headers.length; i++) {
    at = putLatin1(headers[i][0], out, at);
    out[at++] = 0x3a; // ":"
    out[at++] = 0x20;
    at = putLatin1(headers[i][1], out, at);
    out[at++] = 0x0d;
    out[at++] = 0x0a;
  }
  out[at++] = 0x0d;
  out[at++] = 0x0a;
  return at;
}

/**
 * The last head encoded by `encodeResponseWith`: its status, its fields (the array copied,
 * the same field objects) and its bytes. Field objects are never changed once made (they
 * are readonly), so a head made of the very same objects has the very same bytes; the
 * fields this file and handler.ts build for every response (Date, Server, Content-Type,
 * Content-Length, Last-Modified, ...) are shared objects, so a server sending the same
 * file again within a second encodes its head once.
 */
let lastHead: { status: number; headers: HeaderField[]; bytes: Uint8Array } | null = null;

/** Whether `headers` holds the same field objects as `last`, in the same order. */
function sameFields(headers: readonly HeaderField[], last: readonly HeaderField[]): boolean {
  if (headers.length !== last.length) return false;
  for (let i = 0; i < headers.length; i++) if (headers[i] !== last[i]) return false;
  return true;
}

/** The response head as bytes (`headText` in ISO-8859-1). */
export function encodeHead(status: number, headers: readonly HeaderField[]): Uint8Array {
  const out = new Uint8Array(headLength(status, headers));
  putHead(status, headers, out);
  return out;
}

/** Length of a body in bytes. */
export function bodyLength(body: ResponseBody | null): number {
  if (body === null) return 0;
  return body instanceof Uint8Array ? body.length : body.end - body.start;
}

export interface HeadOptions {
  nowMs: number;
  /** The server will close the connection after this response. */
  close: boolean;
  /** Minor version of the request (decides whether "keep-alive" is said). */
  minor: 0 | 1;
}

/** Content-Length fields already built, by length (a site has few sizes). */
const lengthFields = new Map<number, HeaderField>();

/** ["Content-Length", String(n)], one shared object per length. */
export function contentLengthField(n: number): HeaderField {
  let f = lengthFields.get(n);
  if (f === undefined) {
    if (lengthFields.size >= 1024) lengthFields.clear();
    f = ["Content-Length", String(n)];
    lengthFields.set(n, f);
  }
  return f;
}

const SERVER_FIELD: HeaderField = ["Server", SERVER_NAME];
const CLOSE_FIELD: HeaderField = ["Connection", "close"];
const KEEP_ALIVE_FIELD: HeaderField = ["Connection", "keep-alive"];
/** The last Date field built: its text changes once a second. */
let dateField: HeaderField = ["Date", ""];

/** The Date field for `nowMs`. */
function dateFieldFor(nowMs: number): HeaderField {
  const text = formatHttpDate(nowMs);
  if (dateField[1] !== text) dateField = ["Date", text];
  return dateField;
}

/** Date + Server + `fields` + Connection, in that order. */
export function responseHeaders(fields: readonly HeaderField[], o: HeadOptions): HeaderField[] {
  const out: HeaderField[] = [dateFieldFor(o.nowMs), SERVER_FIELD];
  for (let i = 0; i < fields.length; i++) out.push(fields[i]);
  if (o.close) out.push(CLOSE_FIELD);
  else if (o.minor === 0) out.push(KEEP_ALIVE_FIELD);
  return out;
}

const MESSAGES: Readonly<Record<number, string>> = {
  400: "Your request could not be understood.",
  403: "You do not have permission to get this URL.",
  404: "The requested URL was not found on this server.",
  405: "This method is not allowed for this URL. Allowed: GET, HEAD.",
  408: "No request appeared within the time allowed.",
  412: "A precondition of the request was not met.",
  413: "This server does not accept request content of this size or kind.",
  414: "The request line is too long.",
  416: "The requested range is not satisfiable.",
  431: "The request header fields are too large.",
  500: "The server met an internal error.",
  501: "This method is not implemented by this server.",
  503: "The server is too busy to handle the request.",
  505: "This HTTP version is not supported; use HTTP/1.1.",
};

const utf8 = new TextEncoder();

function page(title: string, inner: string): Uint8Array {
  return utf8.encode(
    `<!DOCTYPE html>\n<html>\n<head><title>${title}</title></head>\n<body>\n` +
      `<h1>${title}</h1>\n${inner}\n<hr>\n<address>${SERVER_NAME}</address>\n</body>\n</html>\n`,
  );
}

/** The HTML page sent with an error status. */
export function errorBody(status: number): Uint8Array {
  const msg = MESSAGES[status] ?? "The request could not be completed.";
  return page(`${status} ${reasonPhrase(status)}`, `<p>${msg}</p>`);
}

export const HTML_TYPE = "text/html; charset=utf-8";
const HTML_TYPE_FIELD: HeaderField = ["Content-Type", HTML_TYPE];

/**
 * A complete response carrying a generated HTML body (error pages, listings, redirects):
 * Content-Type and Content-Length are added; HEAD gets the same head and no body.
 */
export function htmlResponse(
  status: number,
  html: Uint8Array,
  extra: readonly HeaderField[],
  o: HeadOptions & { head: boolean },
): HttpResponse {
  const fields: HeaderField[] = [...extra, HTML_TYPE_FIELD, contentLengthField(html.length)];
  return {
    status,
    headers: responseHeaders(fields, o),
    body: o.head ? null : html,
    close: o.close,
  };
}

/** An error response; 405 carries Allow (RFC 9110 §15.5.6: MUST). */
export function errorResponse(
  status: number,
  o: HeadOptions & { head: boolean; extra?: readonly HeaderField[] },
): HttpResponse {
  const extra: HeaderField[] = [...(o.extra ?? [])];
  if (status === 405) extra.push(["Allow", ALLOW]);
  return htmlResponse(status, errorBody(status), extra, o);
}

/** A 301 to `location` (an already percent-encoded URI reference, RFC 9110 §10.2.2). */
export function redirectResponse(
  location: string,
  o: HeadOptions & { head: boolean },
): HttpResponse {
  const href = escapeHtml(location);
  const html = page(
    `301 ${reasonPhrase(301)}`,
    `<p>The document has moved <a href="${href}">here</a>.</p>`,
  );
  return htmlResponse(301, html, [["Location", location]], o);
}

/** Head + in-memory body as one buffer (file bodies are the server loop's to send). */
export function encodeResponse(res: HttpResponse): Uint8Array {
  return encodeResponseWith(res, 0).buf;
}

/**
 * Head + in-memory body, with room for `extra` more bytes after them (a file's first
 * chunk), in one buffer: `buf` has length head + body + extra, `at` is where the extra
 * begins. With `space` long enough, `buf` is its beginning (the caller's buffer, which it
 * no longer needs) instead of a new one.
 */
export function encodeResponseWith(
  res: HttpResponse,
  extra: number,
  space?: Uint8Array,
): { buf: Uint8Array; at: number } {
  const last = lastHead !== null && lastHead.status === res.status &&
      sameFields(res.headers, lastHead.headers)
    ? lastHead.bytes
    : null;
  const headLen = last !== null ? last.length : headLength(res.status, res.headers);
  const body = res.body instanceof Uint8Array ? res.body : null;
  const at = headLen + (body?.length ?? 0);
  const buf = space !== undefined && space.length >= at + extra
    ? space.subarray(0, at + extra)
    : new Uint8Array(at + extra);
  if (last !== null) buf.set(last, 0);
  else {
    putHead(res.status, res.headers, buf);
    lastHead = { status: res.status, headers: res.headers.slice(), bytes: buf.slice(0, headLen) };
  }
  if (body !== null) buf.set(body, headLen);
  return { buf, at };
}
