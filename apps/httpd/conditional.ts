/**
 * conditional.ts — conditional requests (RFC 9110 §13) for a server whose only validator
 * is Last-Modified (it generates no entity-tags).
 *
 * Rules it keeps:
 * - Evaluated only when the response would otherwise be 2xx (§13.2.1), in the order of
 *   §13.2.2: If-Match, If-Unmodified-Since, If-None-Match, If-Modified-Since, If-Range.
 *   So If-Modified-Since comes before Range: a not-modified file gets 304 even when the
 *   request also has a Range; Range is looked at only when the conditions pass.
 * - With no entity-tags, a listed entity-tag never matches; "*" matches any existing file
 *   (§13.1.1, §13.1.2).
 * - If-Unmodified-Since is ignored when If-Match is present, If-Modified-Since when
 *   If-None-Match is present or the method is neither GET nor HEAD; either is ignored
 *   when its value is not a valid HTTP-date (§13.1.3, §13.1.4). A date compares at
 *   one-second resolution: Last-Modified is truncated to whole seconds.
 * - If-Range (§13.1.5) with a date holds only if it exactly equals Last-Modified; with an
 *   entity-tag it never holds. When it does not hold, Range is ignored (200, whole file).
 */

import { type Field, fieldValue, listTokens } from "./request.ts";
import { parseHttpDate } from "./date.ts";

/** What the preconditions decide: go on (to Range and 200/206), 304, or 412. */
export type Precondition = "proceed" | 304 | 412;

/**
 * Evaluates the preconditions of a GET or HEAD for a representation last modified at
 * `lastModifiedMs` (already in whole seconds; null if unknown).
 */
export function evaluatePreconditions(
  method: string,
  fields: readonly Field[],
  lastModifiedMs: number | null,
  nowMs: number,
): Precondition {
  const ifMatch = fieldValue(fields, "if-match");
  if (ifMatch !== null) {
    // Step 1: true only for "*" (the file exists); we have no entity-tag to match.
    if (!listTokens(ifMatch).includes("*")) return 412;
  } else {
    // Step 2.
    const ius = fieldValue(fields, "if-unmodified-since");
    const date = ius === null ? null : parseHttpDate(ius, nowMs);
    if (date !== null && lastModifiedMs !== null && lastModifiedMs > date) return 412;
  }
  const ifNoneMatch = fieldValue(fields, "if-none-match");
  const safe = method === "GET" || method === "HEAD";
  if (ifNoneMatch !== null) {
    // Step 3: "*" matches the existing file → condition false → 304 for GET/HEAD.
    if (listTokens(ifNoneMatch).includes("*")) return safe ? 304 : 412;
    return "proceed";
  }
  // Step 4.
  const ims = fieldValue(fields, "if-modified-since");
  if (safe && ims !== null && lastModifiedMs !== null) {
    const date = parseHttpDate(ims, nowMs);
    if (date !== null && lastModifiedMs <= date) return 304;
  }
  return "proceed";
}

/** Step 5: whether an If-Range (if any) lets the Range apply. */
export function ifRangeHolds(
  fields: readonly Field[],
  lastModifiedMs: number | null,
  nowMs: number,
): boolean {
  const v = fieldValue(fields, "if-range");
  if (v === null) return true;
  const date = parseHttpDate(v, nowMs);
  return date !== null && lastModifiedMs !== null && date === lastModifiedMs;
}
