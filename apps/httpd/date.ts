/**
 * date.ts — HTTP-date (RFC 9110 §5.6.7): format IMF-fixdate, parse all three formats.
 *
 * Rules it keeps:
 * - Never reads the host clock: callers pass epoch milliseconds (`nowMs` where "now" matters,
 *   i.e. for the two-digit years of rfc850-date).
 * - Calendar arithmetic is the proleptic Gregorian calendar in UTC, done with integer
 *   day counts (days-from-civil), so any epoch value formats the same on any host.
 * - Sub-second parts are dropped (HTTP-date has one-second resolution).
 * - Parsing is exact to the grammar: names are case-sensitive (%s"..." rules), one SP
 *   between parts, "GMT" required where the grammar has it; the day of month must exist.
 *   The day-name is redundant; a day-name that does not match the date is accepted
 *   (§5.6.7 asks recipients to be robust). Anything else → null.
 */

export const DAY_NAMES = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"] as const;
const DAY_NAMES_L = ["Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday"];
export const MONTH_NAMES = [
  "Jan",
  "Feb",
  "Mar",
  "Apr",
  "May",
  "Jun",
  "Jul",
  "Aug",
  "Sep",
  "Oct",
  "Nov",
  "Dec",
] as const;

const DAY_MS = 86_400_000;

/** Days since 1970-01-01 of a Gregorian date (month 1–12). */
export function daysFromCivil(year: number, month: number, day: number): number {
  const y = month <= 2 ? year - 1 : year;
  const era = Math.floor(y / 400);
  const yoe = y - era * 400;
  const doy = Math.floor((153 * (month + (month > 2 ? -3 : 9)) + 2) / 5) + day - 1;
  const doe = yoe * 365 + Math.floor(yoe / 4) - Math.floor(yoe / 100) + doy;
  return era * 146097 + doe - 719468;
}

/** A UTC calendar breakdown of an epoch time (month 1–12, weekday 0 = Sunday). */
export interface Civil {
  year: number;
  month: number;
  day: number;
  hour: number;
  minute: number;
  second: number;
  weekday: number;
}

export function civilFromMs(ms: number): Civil {
  const days = Math.floor(ms / DAY_MS);
  const secs = Math.floor((ms - days * DAY_MS) / 1000);
  const z = days + 719468;
  const era = Math.floor(z / 146097);
  const doe = z - era * 146097;
  const yoe = Math.floor(
    (doe - Math.floor(doe / 1460) + Math.floor(doe / 36524) - Math.floor(doe / 146096)) / 365,
  );
  const doy = doe - (365 * yoe + Math.floor(yoe / 4) - Math.floor(yoe / 100));
  const mp = Math.floor((5 * doy + 2) / 153);
  const day = doy - Math.floor((153 * mp + 2) / 5) + 1;
  const month = mp < 10 ? mp + 3 : mp - 9;
  return {
    year: yoe + era * 400 + (month <= 2 ? 1 : 0),
    month,
    day,
    hour: Math.floor(secs / 3600),
    minute: Math.floor(secs / 60) % 60,
    second: secs % 60,
    weekday: (((days + 4) % 7) + 7) % 7, // 1970-01-01 was a Thursday
  };
}

export function pad2(n: number): string {
  return String(n).padStart(2, "0");
}

/**
 * The last two seconds formatted (a response's Date and Last-Modified): the text depends
 * only on the whole second, and a server formats the same few seconds over and over.
 */
const recent: Array<{ sec: number; text: string }> = [
  { sec: NaN, text: "" },
  { sec: NaN, text: "" },
];

/** IMF-fixdate, e.g. "Sun, 06 Nov 1994 08:49:37 GMT" (RFC 9110 §5.6.7). */
export function formatHttpDate(ms: number): string {
  const sec = Math.floor(ms / 1000);
  if (recent[0].sec === sec) return recent[0].text;
  if (recent[1].sec === sec) return recent[1].text;
  const c = civilFromMs(ms);
  const text = `${DAY_NAMES[c.weekday]}, ${pad2(c.day)} ${MONTH_NAMES[c.month - 1]} ` +
    `${String(c.year).padStart(4, "0")} ${pad2(c.hour)}:${pad2(c.minute)}:${pad2(c.second)} GMT`;
  recent[1] = recent[0];
  recent[0] = { sec, text };
  return text;
}

function daysInMonth(year: number, month: number): number {
  return daysFromCivil(month === 12 ? year + 1 : year, month === 12 ? 1 : month + 1, 1) -
    daysFromCivil(year, month, 1);
}

const DN = DAY_NAMES.join("|");
const MN = MONTH_NAMES.join("|");
const TIME = "([0-9]{2}):([0-9]{2}):([0-9]{2})";
const IMF_FIXDATE = new RegExp(`^(?:${DN}), ([0-9]{2}) (${MN}) ([0-9]{4}) ${TIME} GMT$`);
const RFC850 = new RegExp(
  `^(?:${DAY_NAMES_L.join("|")}), ([0-9]{2})-(${MN})-([0-9]{2}) ${TIME} GMT$`,
);
const ASCTIME = new RegExp(`^(?:${DN}) (${MN}) ([0-9]{2}| [0-9]) ${TIME} ([0-9]{4})$`);

function build(
  year: number,
  mon: string,
  day: number,
  h: number,
  m: number,
  s: number,
): number | null {
  const month = MONTH_NAMES.indexOf(mon as typeof MONTH_NAMES[number]) + 1;
  if (day < 1 || day > daysInMonth(year, month)) return null;
  // second = 2DIGIT allows 60 for a leap second; it lands on the next minute's :00.
  if (h > 23 || m > 59 || s > 60) return null;
  return (daysFromCivil(year, month, day) * 86400 + h * 3600 + m * 60 + s) * 1000;
}

/**
 * Parses an HTTP-date in any of its three formats; returns epoch milliseconds or null.
 * `nowMs` places rfc850-date's two-digit year: a year more than 50 years in the future is
 * taken as the most recent past year with the same last two digits (RFC 9110 §5.6.7).
 */
export function parseHttpDate(text: string, nowMs: number): number | null {
  let m = IMF_FIXDATE.exec(text);
  if (m !== null) return build(+m[3], m[2], +m[1], +m[4], +m[5], +m[6]);
  m = RFC850.exec(text);
  if (m !== null) {
    const now = civilFromMs(nowMs).year;
    let year = now - (now % 100) + Number(m[3]);
    if (year > now + 50) year -= 100;
    return build(year, m[2], +m[1], +m[4], +m[5], +m[6]);
  }
  m = ASCTIME.exec(text);
  if (m !== null) return build(+m[6], m[1], Number(m[2].trim()), +m[3], +m[4], +m[5]);
  return null;
}
