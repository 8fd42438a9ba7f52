/**
 * path.ts — request-target → document path, and path segments → URI path.
 *
 * Rules it keeps:
 * - Forms (RFC 9112 §3.2): origin-form is served; absolute-form ("http://host/p") is
 *   accepted by taking its path (§3.2.2 says a server MUST accept it); authority-form and
 *   asterisk-form are only for CONNECT and OPTIONS, which we do not implement → 400.
 * - The query (RFC 3986 §3.4) is split off and returned undecoded. A fragment is not part
 *   of any request-target form → 400.
 * - Percent-decoding happens exactly once (RFC 3986 §2.4), before normalisation, so the
 *   encoded forms `%2e%2e`, `%2E%2e`, `%2f`, `%2F` are normalised like their plain forms;
 *   `%252e` decodes to the literal name `%2e`, which is never decoded again.
 *   Invalid `%XX` → 400; the decoded bytes must be UTF-8 → else 400.
 * - NUL (raw or `%00`) → 400. Backslash (raw or `%5C`) → 400: it is not a separator on this
 *   server, so it can only be a malformed request or a Windows-style traversal attempt; we
 *   refuse it as malformed rather than looking it up as part of a name.
 * - Normalisation (RFC 3986 §5.2.4 in spirit): empty (`//`) and `.` segments vanish, `..`
 *   removes the previous segment; a `..` with nothing left to remove would rise above the
 *   root → 403. The result is absolute, has no `.`/`..`/empty segments, and keeps a
 *   trailing slash when the target had one or ended in `.` or `..`.
 */

export type TargetResult =
  | { ok: true; path: string; query: string | null }
  | { ok: false; status: 400 | 403; reason: string };

function fail(status: 400 | 403, reason: string): TargetResult {
  return { ok: false, status, reason };
}

function hexval(c: number): number {
  if (c >= 0x30 && c <= 0x39) return c - 0x30;
  const l = c | 0x20;
  if (l >= 0x61 && l <= 0x66) return l - 0x61 + 10;
  return -1;
}

const utf8 = new TextDecoder("utf-8", { fatal: true });
const utf8enc = new TextEncoder();

/** Percent-decodes once; each char of `s` below 0x100 is one byte (raw bytes from the wire). */
function percentDecode(s: string): Uint8Array | null {
  const out = new Uint8Array(s.length);
  let n = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c > 0xff) return null;
    if (c !== 0x25) {
      out[n++] = c;
      continue;
    }
    const hi = hexval(s.charCodeAt(i + 1));
    const lo = hexval(s.charCodeAt(i + 2));
    if (hi < 0 || lo < 0) return null;
    out[n++] = hi * 16 + lo;
    i += 2;
  }
  return out.subarray(0, n);
}

/**
 * Whether `raw` is already its own result: absolute, printable ASCII without `%` or `\`
 * (nothing to decode or refuse), and without `//` or `/.` (every segment is a plain
 * name, so normalisation leaves it as it is). Most request-targets are.
 */
function isPlain(raw: string): boolean {
  if (raw.charCodeAt(0) !== 0x2f) return false;
  let prev = 0x2f;
  for (let i = 1; i < raw.length; i++) {
    const c = raw.charCodeAt(i);
    if (c <= 0x20 || c >= 0x7f || c === 0x25 || c === 0x5c) return false;
    if (prev === 0x2f && (c === 0x2f || c === 0x2e)) return false;
    prev = c;
  }
  return true;
}

/** Turns a request-target into a normalised absolute document path, or an error status. */
export function targetToPath(target: string): TargetResult {
  let rest = target;
  if (!rest.startsWith("/")) {
    // absolute-form: scheme "://" authority path-abempty ["?" query] (RFC 9112 §3.2.2).
    const m = /^[A-Za-z][A-Za-z0-9+.-]*:\/\/[^/?#]*/.exec(rest);
    if (m === null) return fail(400, "request-target is not origin-form or absolute-form");
    const scheme = rest.slice(0, rest.indexOf(":")).toLowerCase();
    if (scheme !== "http" && scheme !== "https") return fail(400, "unsupported URI scheme");
    rest = rest.slice(m[0].length);
    if (rest === "" || rest.startsWith("?")) rest = "/" + rest;
  }
  if (rest.includes("#")) return fail(400, "fragment in request-target");
  const q = rest.indexOf("?");
  const query = q < 0 ? null : rest.slice(q + 1);
  const raw = q < 0 ? rest : rest.slice(0, q);
  if (isPlain(raw)) return { ok: true, path: raw, query };

  const bytes = percentDecode(raw);
  if (bytes === null) return fail(400, "invalid percent-encoding");
  if (bytes.includes(0)) return fail(400, "NUL in path");
  if (bytes.includes(0x5c)) return fail(400, "backslash in path");
  let decoded: string;
  let ascii = bytes.length <= 4096; // apply takes one argument per byte
  for (let i = 0; i < bytes.length && ascii; i++) ascii = bytes[i] < 0x80;
  if (ascii) {
    // ASCII is its own UTF-8: no decoder call (most paths, and a few per request).
    decoded = String.fromCharCode.apply(null, bytes as unknown as number[]);
  } else {
    try {
      decoded = utf8.decode(bytes);
    } catch {
      return fail(400, "path is not UTF-8");
    }
  }

  const out: string[] = [];
  const segs = decoded.split("/");
  let trailing = false;
  for (let i = 1; i < segs.length; i++) {
    const seg = segs[i];
    const last = i === segs.length - 1;
    if (seg === "" || seg === ".") {
      trailing = last;
      continue;
    }
    if (seg === "..") {
      if (out.length === 0) return fail(403, "path rises above the root");
      out.pop();
      trailing = last;
      continue;
    }
    out.push(seg);
    trailing = false;
  }
  let path = "/" + out.join("/");
  if (trailing && out.length > 0) path += "/";
  return { ok: true, path, query };
}

/** Characters left unencoded in a path segment: RFC 3986 §2.3 unreserved. */
function unreserved(b: number): boolean {
  return (b >= 0x30 && b <= 0x39) || (b >= 0x41 && b <= 0x5a) || (b >= 0x61 && b <= 0x7a) ||
    b === 0x2d || b === 0x2e || b === 0x5f || b === 0x7e;
}

/**
 * Percent-encodes one path segment (UTF-8, everything but unreserved), so that `/`, `?`, `#`,
 * `%` and `:` inside a name stay part of the name (RFC 3986 §3.3).
 */
export function encodeSegment(name: string): string {
  let s = "";
  for (const b of utf8enc.encode(name)) {
    s += unreserved(b)
      ? String.fromCharCode(b)
      : "%" + b.toString(16).toUpperCase().padStart(2, "0");
  }
  return s;
}

/** Percent-encodes a normalised document path segment by segment, keeping the slashes. */
export function encodePath(path: string): string {
  return path.split("/").map(encodeSegment).join("/");
}
