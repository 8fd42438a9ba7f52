/**
 * date.ts — print the date and time (date(1)), from CLOCK_REALTIME (the simulated wall
 * clock: the run's epoch plus the time since boot).
 *
 * Rules: `date [-u] [-r seconds] [+format]`: the time is always shown in UTC (the machine
 * has no time zone database; -u is accepted). -r shows the given seconds since the Epoch
 * instead of now. The default format is NetBSD's `%a %b %e %H:%M:%S %Z %Y`. Conversions:
 * %a %A %b %B %h %c %C %d %D %e %F %H %I %j %k %l %m %M %n %p %r %R %s %S %t %T %u %w %y
 * %Y %z %Z %%; any other is printed as it is. Setting the clock is not supported (an
 * operand without '+' is an error, status 1).
 */
import { type App, CLOCK_REALTIME, type Sys, type Wait } from "../kernel/syscall/api.ts";
import { getopt } from "./lib/getopt.ts";
import { eprint, print } from "./lib/stdio.ts";

const DAYS = ["Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday"];
const MONTHS = [
  "January",
  "February",
  "March",
  "April",
  "May",
  "June",
  "July",
  "August",
  "September",
  "October",
  "November",
  "December",
];

const p2 = (n: number) => String(n).padStart(2, "0");

/** strftime(3) in UTC for `sec` seconds since the Epoch. */
export function strftime(fmt: string, sec: number): string {
  const d = new Date(sec * 1000);
  const Y = d.getUTCFullYear();
  const m = d.getUTCMonth();
  const day = d.getUTCDate();
  const H = d.getUTCHours();
  const M = d.getUTCMinutes();
  const S = d.getUTCSeconds();
  const w = d.getUTCDay();
  const yday = Math.floor((Date.UTC(Y, m, day) - Date.UTC(Y, 0, 1)) / 86400000) + 1;
  const h12 = H % 12 === 0 ? 12 : H % 12;
  const conv: Record<string, () => string> = {
    a: () => DAYS[w].slice(0, 3),
    A: () => DAYS[w],
    b: () => MONTHS[m].slice(0, 3),
    B: () => MONTHS[m],
    h: () => MONTHS[m].slice(0, 3),
    c: () => strftime("%a %b %e %H:%M:%S %Y", sec),
    C: () => p2(Math.floor(Y / 100)),
    d: () => p2(day),
    D: () => strftime("%m/%d/%y", sec),
    e: () => String(day).padStart(2, " "),
    F: () => strftime("%Y-%m-%d", sec),
    H: () => p2(H),
    I: () => p2(h12),
    j: () => String(yday).padStart(3, "0"),
    k: () => String(H).padStart(2, " "),
    l: () => String(h12).padStart(2, " "),
    m: () => p2(m + 1),
    M: () => p2(M),
    n: () => "\n",
    p: () => (H < 12 ? "AM" : "PM"),
    r: () => strftime("%I:%M:%S %p", sec),
    R: () => strftime("%H:%M", sec),
    s: () => String(Math.floor(sec)),
    S: () => p2(S),
    t: () => "\t",
    T: () => strftime("%H:%M:%S", sec),
    u: () => String(w === 0 ? 7 : w),
    w: () => String(w),
    y: () => p2(Y % 100),
    Y: () => String(Y),
    z: () => "+0000",
    Z: () => "UTC",
    "%": () => "%",
  };
  return fmt.replace(/%(.)/g, (all, c: string) => conv[c]?.() ?? all);
}

function* main(sys: Sys, argv: string[]): Wait<number> {
  const g = getopt(argv.slice(1), "ur:");
  const usage = "usage: date [-u] [-r seconds] [+format]\n";
  if (!g.ok) {
    yield* eprint(sys, `date: ${g.error}\n${usage}`);
    return 1;
  }
  const ops = g.value.operands;
  if (ops.length > 1 || (ops.length === 1 && !ops[0].startsWith("+"))) {
    yield* eprint(sys, `date: setting the time is not supported\n${usage}`);
    return 1;
  }
  let sec = sys.clock_gettime(CLOCK_REALTIME).sec;
  const r = g.value.opts.get("r");
  if (r !== undefined) {
    if (!/^-?[0-9]+$/.test(r)) {
      yield* eprint(sys, `date: ${r}: invalid number of seconds\n`);
      return 1;
    }
    sec = Number(r);
  }
  const fmt = ops.length ? ops[0].slice(1) : "%a %b %e %H:%M:%S %Z %Y";
  yield* print(sys, strftime(fmt, sec) + "\n");
  return 0;
}

export const date: App = { name: "date", main, summary: "print the date and time" };
export default date;
