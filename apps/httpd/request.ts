/**
 * request.ts — the incremental HTTP/1.1 request parser (RFC 9112).
 *
 * Feed bytes as they arrive (`feed`), take events one at a time (`next`), or do both at once
 * (`push`). An event is a complete request or a protocol error carrying the status to answer
 * with. Pipelining works: bytes after a complete request stay buffered for the next one.
 *
 * Rules it keeps:
 * - Pure and synchronous: no I/O, no clock; the caller owns the socket and the timeouts
 *   (an idle connection gets 408 from the server loop, not from here).
 * - Limits are enforced as bytes arrive, so an endless request line or header section is
 *   refused (414 / 431) without buffering it whole.
 * - An error whose `close` is true leaves the parser dead: after a framing error the next
 *   request cannot be found reliably, so the connection must close (RFC 9112 §6.3, §11.2).
 * - Request content. This server serves GET and HEAD only and never uses content, but it
 *   must not mis-frame the next pipelined request (RFC 9112 §6.3, §11.2):
 *     - `Content-Length: n` (n ≤ limits.maxDiscard) is honoured: the request is delivered at
 *       once and the n bytes that follow are read and discarded, so the connection stays
 *       usable. n > maxDiscard → 413 and close (RFC 9110 §15.5.14).
 *     - `Transfer-Encoding` → 413 and close when chunked is the final coding (we do not
 *       decode chunked content, and closing is always a correct way to end framing);
 *       → 400 and close when chunked is not final (RFC 9112 §6.3 item 4).
 *     - Both `Transfer-Encoding` and `Content-Length` → 400 and close (§6.3 item 3: a
 *       smuggling attempt). An invalid Content-Length → 400 and close (§6.3 item 5).
 * - Errors found after a well-framed header section (405, 501) keep the connection's
 *   persistence; every 400 closes, to be safe.
 */

/** Configurable limits; over-long request line → 414, over-large header section → 431. */
export interface RequestLimits {
  /** Longest request line, in bytes, not counting CRLF (RFC 9112 §3: SHOULD ≥ 8000). */
  maxRequestLine: number;
  /** Largest header section, in bytes, from the first field line through the empty line. */
  maxHeaderBytes: number;
  /** Most header field lines. */
  maxHeaders: number;
  /** Most Content-Length bytes read and discarded; more → 413. */
  maxDiscard: number;
}

export const DEFAULT_LIMITS: RequestLimits = {
  maxRequestLine: 8000,
  maxHeaderBytes: 16 * 1024,
  maxHeaders: 100,
  maxDiscard: 64 * 1024,
};

/** A header field line: name lower-cased (field names are case-insensitive, RFC 9110 §5.1). */
export type Field = readonly [name: string, value: string];

/** A parsed request whose method is GET or HEAD. */
export interface HttpRequest {
  method: "GET" | "HEAD";
  /** The request-target exactly as sent (RFC 9112 §3.2). */
  target: string;
  /** Minor version: 1.0 or 1.1 (1.x with x > 1 is treated as 1.1, RFC 9112 §2.3). */
  minor: 0 | 1;
  /** The request line as received, without CRLF (for the access log). */
  requestLine: string;
  /** Header fields in order, names lower-cased, values with OWS trimmed. */
  fields: Field[];
  /** Whether the connection persists after this request (RFC 9112 §9.3). */
  keepAlive: boolean;
}

/** A protocol error: answer with `status` and close if `close`. */
export interface RequestError {
  status: number;
  /** A short reason, for the log and tests (never sent to the client verbatim). */
  reason: string;
  close: boolean;
  /** What is known of the request, for the access log and for HEAD (no body). */
  requestLine: string | null;
  method: string | null;
  minor: 0 | 1;
}

export type ParseEvent =
  | { kind: "request"; request: HttpRequest }
  | { kind: "error"; error: RequestError };

const KNOWN_METHODS = new Set([
  "GET",
  "HEAD",
  "POST",
  "PUT",
  "DELETE",
  "CONNECT",
  "OPTIONS",
  "TRACE",
  "PATCH",
]);

const CR = 0x0d;
const LF = 0x0a;
const SP = 0x20;
const HTAB = 0x09;
const COLON = 0x3a;

function isDigit(c: number): boolean {
  return c >= 0x30 && c <= 0x39;
}

/** tchar (RFC 9110 §5.6.2): DIGIT, ALPHA and "!#$%&'*+-.^_`|~", indexed by byte. */
const TCHAR = new Uint8Array(256);
for (let c = 0x30; c <= 0x39; c++) TCHAR[c] = 1;
for (let c = 0x41; c <= 0x5a; c++) TCHAR[c] = TCHAR[c | 0x20] = 1;
for (const ch of "!#$%&'*+-.^_`|~") TCHAR[ch.charCodeAt(0)] = 1;

export function isToken(s: string): boolean {
  if (s.length === 0) return false;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c > 0xff || TCHAR[c] === 0) return false;
  }
  return true;
}

/**
 * Field names this server or common clients send, lower-cased: a field line whose name is
 * one of them (in any case) reuses the string instead of building and lower-casing one.
 */
const KNOWN_FIELDS = [
  "host",
  "connection",
  "content-length",
  "transfer-encoding",
  "range",
  "if-range",
  "if-match",
  "if-none-match",
  "if-modified-since",
  "if-unmodified-since",
  "user-agent",
  "accept",
  "accept-encoding",
  "accept-language",
  "cache-control",
  "pragma",
  "referer",
  "cookie",
  "upgrade-insecure-requests",
  "dnt",
];
/** KNOWN_FIELDS by length. */
const KNOWN_BY_LENGTH: string[][] = [];
for (const n of KNOWN_FIELDS) (KNOWN_BY_LENGTH[n.length] ??= []).push(n);

/** The lower-cased name in b[start, end) (tchars, so ASCII). */
function fieldName(b: Uint8Array, start: number, end: number): string {
  const known = KNOWN_BY_LENGTH[end - start];
  if (known !== undefined) {
    next: for (const n of known) {
      for (let i = 0; i < n.length; i++) {
        if ((b[start + i] | 0x20) !== n.charCodeAt(i)) continue next;
      }
      return n;
    }
  }
  return latin1(b, start, end).toLowerCase();
}

/** Bytes to a string, one char per byte (fields are octets; RFC 9110 §5.5 obs-text). */
function latin1(b: Uint8Array, start: number, end: number): string {
  let s = "";
  for (let i = start; i < end; i += 4096) {
    // apply takes the bytes as they are (a spread would iterate them, ~5× slower).
    const chunk = b.subarray(i, Math.min(end, i + 4096)) as unknown as number[];
    s += String.fromCharCode.apply(null, chunk);
  }
  return s;
}

/** The combined value of a field (list fields joined by ", ", RFC 9110 §5.3), or null. */
export function fieldValue(fields: readonly Field[], name: string): string | null {
  const lname = name.toLowerCase();
  let out: string | null = null;
  for (let i = 0; i < fields.length; i++) {
    const f = fields[i];
    if (f[0] === lname) out = out === null ? f[1] : `${out}, ${f[1]}`;
  }
  return out;
}

/** The tokens of a comma-separated list field, lower-cased, empty elements dropped (§5.6.1). */
export function listTokens(value: string | null): string[] {
  if (value === null) return [];
  return value.split(",").map((t) => t.trim().toLowerCase()).filter((t) => t.length > 0);
}

type State = "line" | "fields" | "discard" | "dead";

/** How many lines of the previous request a parser keeps the text of. */
const RECENT_SLOTS = 16;

interface Pending {
  requestLine: string;
  method: string;
  target: string;
  minor: 0 | 1;
  fields: Field[];
  headerBytes: number;
}

export class RequestParser {
  readonly limits: RequestLimits;
  #buf = new Uint8Array(4096);
  #start = 0; // first unconsumed byte
  #end = 0; // one past the last buffered byte
  #scan = 0; // where the LF search resumes (so feeding byte by byte stays linear)
  #state: State = "line";
  #discard = 0; // content bytes still to throw away
  #req: Pending | null = null;
  /**
   * The text of the previous request's lines (0: the request line, i: the value of field
   * line i): a line with the same bytes reuses its string (keep-alive clients repeat them).
   */
  readonly #recent: string[] = [];
  /** The last request line that parsed cleanly, with its parts (a pure function of it). */
  #okLine = "";
  #okMethod = "";
  #okTarget = "";
  #okMinor: 0 | 1 = 1;

  constructor(limits: Partial<RequestLimits> = {}) {
    this.limits = { ...DEFAULT_LIMITS, ...limits };
  }

  /** True once a closing error was returned: the connection must be closed. */
  get dead(): boolean {
    return this.#state === "dead";
  }

  /** Bytes buffered but not yet part of a returned event. */
  get buffered(): number {
    return this.#end - this.#start;
  }

  /** True when a request has begun arriving but is not complete (useful at EOF / timeout). */
  get partial(): boolean {
    return this.#state === "fields" || this.#state === "discard" || this.#end > this.#start;
  }

  /** Appends bytes received from the connection. Bytes fed after a closing error are ignored. */
  feed(bytes: Uint8Array): void {
    if (this.#state === "dead" || bytes.length === 0) return;
    if (this.#end + bytes.length > this.#buf.length) {
      // Compact: move the live bytes to the front, growing the buffer if they still do not fit.
      const live = this.#end - this.#start;
      const need = live + bytes.length;
      if (need > this.#buf.length) {
        const grown = new Uint8Array(Math.max(need, this.#buf.length * 2));
        grown.set(this.#buf.subarray(this.#start, this.#end));
        this.#buf = grown;
      } else {
        this.#buf.copyWithin(0, this.#start, this.#end);
      }
      this.#scan -= this.#start;
      this.#start = 0;
      this.#end = live;
    }
    this.#buf.set(bytes, this.#end);
    this.#end += bytes.length;
  }

  /** Feeds `bytes` and returns every event now complete, in order. */
  push(bytes: Uint8Array): ParseEvent[] {
    this.feed(bytes);
    const out: ParseEvent[] = [];
    for (let ev = this.next(); ev !== null; ev = this.next()) out.push(ev);
    return out;
  }

  /** The next complete event, or null if more bytes are needed (or the parser is dead). */
  next(): ParseEvent | null {
    for (;;) {
      switch (this.#state) {
        case "dead":
          return null;
        case "discard": {
          const n = Math.min(this.#discard, this.#end - this.#start);
          this.#consume(this.#start + n);
          this.#discard -= n;
          if (this.#discard > 0) return null;
          this.#state = "line";
          continue;
        }
        case "line": {
          const r = this.#requestLine();
          if (r === null) return null;
          if (r !== true) return r;
          continue;
        }
        case "fields": {
          const r = this.#fieldLine();
          if (r === null) return null;
          if (r !== true) return r;
          continue;
        }
      }
    }
  }

  /** The bytes [start, end) as text (`latin1`), the string of slot `slot` if it matches. */
  #text(start: number, end: number, slot: number): string {
    const b = this.#buf;
    const prev = this.#recent[slot];
    if (prev !== undefined && prev.length === end - start) {
      let i = 0;
      while (i < prev.length && prev.charCodeAt(i) === b[start + i]) i++;
      if (i === prev.length) return prev;
    }
    const s = latin1(b, start, end);
    if (slot < RECENT_SLOTS) this.#recent[slot] = s;
    return s;
  }

  /** Finds the next LF from #scan; returns its index or -1. */
  #findLF(): number {
    const b = this.#buf;
    const end = this.#end;
    let i = this.#scan;
    if (end - i > 64) {
      // A long stretch: the native search (it needs a view bounded at #end).
      const j = b.subarray(i, end).indexOf(LF);
      if (j >= 0) return i + j;
      i = end;
    }
    for (; i < end; i++) if (b[i] === LF) return i;
    this.#scan = end;
    return -1;
  }

  #consume(to: number): void {
    this.#start = to;
    this.#scan = to;
    if (this.#start === this.#end) this.#start = this.#end = this.#scan = 0;
  }

  /**
   * The end of the line [#start, lf) without its CR, or -1 if the line holds a bare CR
   * (RFC 9112 §2.2).
   */
  #lineEnd(lf: number): number {
    const b = this.#buf;
    let e = lf;
    if (e > this.#start && b[e - 1] === CR) e--;
    for (let i = this.#start; i < e; i++) if (b[i] === CR) return -1;
    return e;
  }

  #fail(status: number, reason: string, close = true): ParseEvent {
    const p = this.#req;
    if (close) {
      this.#state = "dead";
      this.#start = this.#end = this.#scan = 0;
    }
    this.#req = null;
    return {
      kind: "error",
      error: {
        status,
        reason,
        close,
        requestLine: p?.requestLine ?? null,
        method: p?.method ?? null,
        minor: p?.minor ?? 1,
      },
    };
  }

  /** Request line (RFC 9112 §3). Returns true to continue, null for more bytes, or an event. */
  #requestLine(): ParseEvent | true | null {
    const lf = this.#findLF();
    if (lf < 0) {
      // +1 leaves room for the CR of a line exactly at the limit.
      if (this.#end - this.#start > this.limits.maxRequestLine + 1) {
        return this.#fail(414, "request line too long");
      }
      return null;
    }
    const s = this.#start;
    const e = this.#lineEnd(lf);
    if (e < 0) return this.#fail(400, "bare CR in request line");
    this.#consume(lf + 1);
    // §2.2: a server SHOULD ignore at least one empty line before the request line.
    if (s === e) return true;
    if (e - s > this.limits.maxRequestLine) return this.#fail(414, "request line too long");
    const line = this.#text(s, e, 0);
    if (line === this.#okLine) {
      // The same text as the last good request line: the same parts, the same checks passed.
      this.#req = {
        requestLine: line,
        method: this.#okMethod,
        target: this.#okTarget,
        minor: this.#okMinor,
        fields: [],
        headerBytes: 0,
      };
      this.#state = "fields";
      return true;
    }
    // §3: method SP request-target SP HTTP-version, single SPs, no other whitespace.
    const sp1 = line.indexOf(" ");
    const sp2 = sp1 < 0 ? -1 : line.indexOf(" ", sp1 + 1);
    const method = sp1 < 0 ? line : line.slice(0, sp1);
    this.#req = {
      requestLine: line,
      method,
      target: "",
      minor: 1,
      fields: [],
      headerBytes: 0,
    };
    if (sp2 < 0 || line.indexOf(" ", sp2 + 1) >= 0) {
      return this.#fail(400, "malformed request line");
    }
    if (!isToken(method)) return this.#fail(400, "method is not a token");
    for (let i = sp1 + 1; i < sp2; i++) {
      const c = line.charCodeAt(i);
      if (c <= 0x20 || c === 0x7f) return this.#fail(400, "control character in request-target");
    }
    if (sp2 === sp1 + 1) return this.#fail(400, "empty request-target");
    // §2.3: HTTP-version = HTTP-name "/" DIGIT "." DIGIT, HTTP-name case-sensitive.
    const v = sp2 + 1;
    const major = line.charCodeAt(v + 5);
    const minor = line.charCodeAt(v + 7);
    if (
      line.length - v !== 8 || !line.startsWith("HTTP/", v) || !isDigit(major) ||
      line.charCodeAt(v + 6) !== 0x2e || !isDigit(minor)
    ) return this.#fail(400, "malformed HTTP-version");
    this.#req.target = line.slice(sp1 + 1, sp2);
    if (major !== 0x31) {
      // RFC 9110 §15.6.6: 505 for a major version we do not support.
      this.#req.minor = 1;
      return this.#fail(505, `HTTP/${line[v + 5]}.${line[v + 7]} not supported`);
    }
    this.#req.minor = minor === 0x30 ? 0 : 1;
    this.#okLine = line;
    this.#okMethod = method;
    this.#okTarget = this.#req.target;
    this.#okMinor = this.#req.minor;
    this.#state = "fields";
    return true;
  }

  /** One field line or the end of the header section (RFC 9112 §5). */
  #fieldLine(): ParseEvent | true | null {
    const p = this.#req!;
    const lf = this.#findLF();
    if (lf < 0) {
      if (p.headerBytes + (this.#end - this.#start) > this.limits.maxHeaderBytes) {
        return this.#fail(431, "header section too large");
      }
      return null;
    }
    p.headerBytes += lf + 1 - this.#start;
    if (p.headerBytes > this.limits.maxHeaderBytes) {
      return this.#fail(431, "header section too large");
    }
    const s = this.#start;
    const e = this.#lineEnd(lf);
    if (e < 0) return this.#fail(400, "bare CR in header section");
    if (s === e) {
      this.#consume(lf + 1);
      return this.#finish();
    }
    const b = this.#buf;
    const first = b[s];
    if (first === SP || first === HTAB) {
      // §5.2 obs-fold, and §2.2 whitespace before the first field line: reject.
      return this.#fail(400, p.fields.length === 0 ? "whitespace before first field" : "obs-fold");
    }
    this.#consume(lf + 1); // the bytes stay in place until the next feed
    let colon = s;
    while (colon < e && b[colon] !== COLON) colon++;
    if (colon === e || colon === s) {
      return this.#fail(400, "field line without a name and colon");
    }
    // §5.1: no whitespace between field name and colon; a server MUST reject with 400.
    for (let i = s; i < colon; i++) {
      if (TCHAR[b[i]] === 0) return this.#fail(400, "invalid field name");
    }
    // OWS around the value is not part of it (§5.5).
    let vs = colon + 1;
    let ve = e;
    while (vs < ve && (b[vs] === SP || b[vs] === HTAB)) vs++;
    while (ve > vs && (b[ve - 1] === SP || b[ve - 1] === HTAB)) ve--;
    // RFC 9110 §5.5: CR, LF, NUL are invalid; we also refuse the other CTLs (but HTAB).
    for (let i = vs; i < ve; i++) {
      const c = b[i];
      if ((c < 0x20 && c !== HTAB) || c === 0x7f) {
        return this.#fail(400, "control character in field value");
      }
    }
    if (p.fields.length >= this.limits.maxHeaders) return this.#fail(431, "too many header fields");
    p.fields.push([fieldName(b, s, colon), this.#text(vs, ve, p.fields.length + 1)]);
    return true;
  }

  /** The header section is complete: decide framing, Host, method, persistence. */
  #finish(): ParseEvent {
    const p = this.#req!;
    const f = p.fields;
    // The fields this step looks at, combined as `fieldValue` does, in one pass.
    let te: string | null = null;
    let cl: string | null = null;
    let host: string | null = null;
    let hosts = 0;
    let connection: string | null = null;
    for (let i = 0; i < f.length; i++) {
      const [n, v] = f[i];
      if (n === "host") {
        hosts++;
        host = host === null ? v : `${host}, ${v}`;
      } else if (n === "connection") connection = connection === null ? v : `${connection}, ${v}`;
      else if (n === "content-length") cl = cl === null ? v : `${cl}, ${v}`;
      else if (n === "transfer-encoding") te = te === null ? v : `${te}, ${v}`;
    }
    // Content framing, RFC 9112 §6.3.
    if (te !== null) {
      if (cl !== null) return this.#fail(400, "both Transfer-Encoding and Content-Length");
      if (p.minor === 0) return this.#fail(400, "Transfer-Encoding in an HTTP/1.0 request");
      const codings = listTokens(te);
      if (codings[codings.length - 1] !== "chunked") {
        return this.#fail(400, "chunked is not the final transfer coding");
      }
      return this.#fail(413, "request content is not accepted");
    }
    let length = 0;
    if (cl !== null) {
      // §6.3 item 5 / RFC 9110 §8.6: 1*DIGIT; a list of identical values may be accepted.
      const vals = cl.split(",").map((v) => v.trim());
      if (!vals.every((v) => /^[0-9]+$/.test(v)) || !vals.every((v) => v === vals[0])) {
        return this.#fail(400, "invalid Content-Length");
      }
      length = Number(vals[0]);
      if (length > this.limits.maxDiscard) return this.#fail(413, "request content too large");
    }
    // Host, RFC 9112 §3.2: 400 for HTTP/1.1 without Host, any request with several, or an
    // invalid value (uri-host [":" port], RFC 3986 §3.2.2 — checked loosely).
    if (hosts > 1) return this.#fail(400, "more than one Host");
    if (hosts === 0 && p.minor === 1) return this.#fail(400, "HTTP/1.1 request without Host");
    if (
      host !== null && !/^(\[[0-9A-Za-z:.]+\]|[A-Za-z0-9\-._~!$&'()*+,;=%]*)(:[0-9]*)?$/.test(host)
    ) {
      return this.#fail(400, "invalid Host");
    }
    // Persistence, RFC 9112 §9.3.
    const conn = connection === null ? null : listTokens(connection);
    const keepAlive = conn === null
      ? p.minor === 1
      : conn.includes("close")
      ? false
      : p.minor === 1
      ? true
      : conn.includes("keep-alive");
    this.#discard = length;
    this.#state = length > 0 ? "discard" : "line";
    // Methods, RFC 9110 §9.1 (case-sensitive): unknown → 501, known but not here → 405.
    if (!KNOWN_METHODS.has(p.method)) return this.#fail(501, "method not implemented", !keepAlive);
    if (p.method !== "GET" && p.method !== "HEAD") {
      return this.#fail(405, "method not allowed", !keepAlive);
    }
    this.#req = null;
    return {
      kind: "request",
      request: {
        method: p.method,
        target: p.target,
        minor: p.minor,
        requestLine: p.requestLine,
        fields: f,
        keepAlive,
      },
    };
  }
}
