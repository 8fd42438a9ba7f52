/**
 * strmode.ts — file modes, owners and times as `ls -l` and `stat` print them (NetBSD's
 * strmode(3), user_from_uid(3), and ls's six-month date rule).
 *
 * Rules: pure. `strmode` gives ten characters and a trailing space (where NetBSD marks
 * ACLs), so `ls -l` lines match NetBSD's columns. uid 0 is "root" and gid 0 "wheel"; other
 * ids print as numbers (the image has no password database). Times are UTC.
 */
import {
  S_IFBLK,
  S_IFCHR,
  S_IFDIR,
  S_IFIFO,
  S_IFLNK,
  S_IFMT,
  S_IFSOCK,
} from "../../kernel/syscall/api.ts";

/** "drwxr-xr-x " for a mode (type and permission bits). */
export function strmode(mode: number): string {
  const type: Record<number, string> = {
    [S_IFDIR]: "d",
    [S_IFLNK]: "l",
    [S_IFCHR]: "c",
    [S_IFBLK]: "b",
    [S_IFIFO]: "p",
    [S_IFSOCK]: "s",
  };
  let s = type[mode & S_IFMT] ?? "-";
  const rwx = (r: number, w: number, x: number, special: number, ch: string) => {
    s += mode & r ? "r" : "-";
    s += mode & w ? "w" : "-";
    if (mode & special) s += mode & x ? ch : ch.toUpperCase();
    else s += mode & x ? "x" : "-";
  };
  rwx(0o400, 0o200, 0o100, 0o4000, "s");
  rwx(0o040, 0o020, 0o010, 0o2000, "s");
  rwx(0o004, 0o002, 0o001, 0o1000, "t");
  return s + " ";
}

export function userName(uid: number): string {
  return uid === 0 ? "root" : String(uid);
}

export function groupName(gid: number): string {
  return gid === 0 ? "wheel" : String(gid);
}

const MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];
const DAYS = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"];
/** ls's "recent" window: half a year either side of now ((DAYSPERNYEAR / 2) * SECSPERDAY). */
const SIXMONTHS = 182 * 86400;

/** ls -l's date column: "Jan  1 00:00" within six months of `nowSec`, else "Jan  1  2023". */
export function lsTime(sec: number, nowSec: number): string {
  const d = new Date(sec * 1000);
  const head = `${MONTHS[d.getUTCMonth()]} ${String(d.getUTCDate()).padStart(2)}`;
  if (sec + SIXMONTHS > nowSec && sec - SIXMONTHS < nowSec) {
    const hh = String(d.getUTCHours()).padStart(2, "0");
    const mm = String(d.getUTCMinutes()).padStart(2, "0");
    return `${head} ${hh}:${mm}`;
  }
  return `${head}  ${d.getUTCFullYear()}`;
}

/** ctime(3) without the newline: "Mon Jan  1 00:00:00 2024". */
export function ctime(sec: number): string {
  const d = new Date(sec * 1000);
  const t = [d.getUTCHours(), d.getUTCMinutes(), d.getUTCSeconds()]
    .map((v) => String(v).padStart(2, "0")).join(":");
  return `${DAYS[d.getUTCDay()]} ${MONTHS[d.getUTCMonth()]} ${
    String(d.getUTCDate()).padStart(2)
  } ${t} ${d.getUTCFullYear()}`;
}
