/**
 * log.ts — one access-log line in the Common Log Format:
 *   host ident authuser [dd/Mon/yyyy:HH:MM:SS +0000] "request line" status bytes
 *
 * Rules it keeps:
 * - Time is UTC (+0000) from the epoch milliseconds the caller passes; never the host clock.
 * - An absent ident, authuser or request line is "-"; bytes is the length of the content
 *   sent (not the head), "-" when 0 (as in the original NCSA format).
 * - The request line is outside input and is escaped so a line can never be forged or
 *   broken: `"` → `\"`, `\` → `\\`, and every byte below 0x20 or from 0x7f up → `\xHH`.
 * - No trailing newline: the caller decides how lines are joined.
 */

import { civilFromMs, MONTH_NAMES, pad2 } from "./date.ts";

export interface AccessRecord {
  /** The client's address, as text. */
  host: string;
  ident?: string | null;
  user?: string | null;
  timeMs: number;
  /** The request line as received, or null when none could be read. */
  requestLine: string | null;
  status: number;
  /** Content bytes sent. */
  bytes: number;
}

/** Whether `s` has nothing to escape (the usual request line). */
function plainLogText(s: string): boolean {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x20 || c >= 0x7f || c === 0x22 || c === 0x5c) return false;
  }
  return true;
}

function escapeLogText(s: string): string {
  if (plainLogText(s)) return s;
  let out = "";
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c === 0x22) out += '\\"';
    else if (c === 0x5c) out += "\\\\";
    else if (c < 0x20 || c >= 0x7f) {
      out += "\\x" + (c & 0xff).toString(16).padStart(2, "0");
    } else out += s[i];
  }
  return out;
}

/** The last time formatted, by whole second: a busy server logs the same second often. */
let lastSec = NaN;
let lastTime = "";

/** "[10/Oct/2000:13:55:36 +0000]" */
export function logTime(ms: number): string {
  const sec = Math.floor(ms / 1000);
  if (sec === lastSec) return lastTime;
  const c = civilFromMs(ms);
  lastTime = `[${pad2(c.day)}/${MONTH_NAMES[c.month - 1]}/${c.year}:` +
    `${pad2(c.hour)}:${pad2(c.minute)}:${pad2(c.second)} +0000]`;
  lastSec = sec;
  return lastTime;
}

/** A host, ident or authuser field: "-" when absent, escaped, spaces as \x20. */
function field(v: string | null | undefined): string {
  return v === null || v === undefined || v === ""
    ? "-"
    : v.includes(" ")
    ? escapeLogText(v).replace(/ /g, "\\x20")
    : escapeLogText(v);
}

export function commonLogLine(r: AccessRecord): string {
  const line = r.requestLine === null ? "-" : escapeLogText(r.requestLine);
  const bytes = r.bytes === 0 ? "-" : String(r.bytes);
  return `${field(r.host)} ${field(r.ident)} ${field(r.user)} ${logTime(r.timeMs)} "${line}" ` +
    `${r.status} ${bytes}`;
}
