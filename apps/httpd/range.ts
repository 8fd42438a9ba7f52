/**
 * range.ts — the Range request field (RFC 9110 §14.2) for byte ranges (§14.1.2).
 *
 * Rules it keeps:
 * - One range only. A syntactically valid request for several ranges is ignored and the
 *   whole representation is served with 200: a server MAY ignore Range (§14.2), and this
 *   saves multipart/byteranges (§14.6) — and the overlapping-range abuse §14.2 warns of.
 * - Syntactically invalid → ignored (null): §14.2 lets a server ignore an invalid
 *   ranges-specifier; this includes `a-b` with b < a (§14.1.1), a unit other than "bytes"
 *   (units are case-insensitive, §14.1), and a missing or empty range-set.
 * - Satisfiable (§14.1.1): `a-b` and `a-` when a < length; `-n` when n > 0. A last-pos past
 *   the end is clamped to length-1; a suffix longer than the representation selects all
 *   of it. A zero-length representation satisfies no range ("-n" would select zero bytes,
 *   which no Content-Range can express) → "unsatisfiable", answered with 416.
 * - The result is inclusive, as in HTTP: bytes start..end, both counted.
 */

export interface ByteRange {
  start: number;
  /** Inclusive last byte. */
  end: number;
}

/** Parses a Range value against a representation `length` bytes long. */
export function parseRange(value: string, length: number): ByteRange | "unsatisfiable" | null {
  const eq = value.indexOf("=");
  if (eq < 0) return null;
  // ranges-specifier = range-unit "=" range-set; no whitespace around "=".
  if (value.slice(0, eq).toLowerCase() !== "bytes") return null;
  // range-set = 1#range-spec; lists allow OWS and empty elements (§5.6.1).
  const specs = value.slice(eq + 1).split(",").map((s) => s.trim()).filter((s) => s !== "");
  if (specs.length === 0) return null;
  const parsed: Array<[number | null, number | null]> = [];
  for (const spec of specs) {
    const m = /^([0-9]*)-([0-9]*)$/.exec(spec);
    if (m === null || (m[1] === "" && m[2] === "")) return null;
    const first = m[1] === "" ? null : Number(m[1]);
    const last = m[2] === "" ? null : Number(m[2]);
    if (first !== null && last !== null && last < first) return null;
    parsed.push([first, last]);
  }
  if (parsed.length > 1) return null;
  const [first, last] = parsed[0];
  if (length === 0) return "unsatisfiable";
  if (first === null) {
    // suffix-range: the last `last` bytes.
    if (last === 0) return "unsatisfiable";
    return { start: Math.max(0, length - last!), end: length - 1 };
  }
  if (first >= length) return "unsatisfiable";
  return { start: first, end: last === null ? length - 1 : Math.min(last, length - 1) };
}

/** The Content-Range value for a 206 (§14.4). */
export function contentRange(r: ByteRange, length: number): string {
  return `bytes ${r.start}-${r.end}/${length}`;
}

/** The Content-Range value for a 416: the current length (§14.4, §15.5.17). */
export function unsatisfiedRange(length: number): string {
  return `bytes */${length}`;
}
