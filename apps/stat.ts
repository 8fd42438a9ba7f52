/**
 * stat.ts — display file status (stat(1)), in the verbose layout of NetBSD's `stat -x`.
 *
 * Rules: `stat [-L] file ...`; symbolic links are not followed unless -L. For each file:
 * name, size, type, mode (octal and as ls shows it), owner, group, device, inode, links
 * and the four times (UTC). A file that cannot be examined is reported
 * (`stat: x: No such file or directory`) and the status is 1.
 */
import {
  type App,
  S_IFBLK,
  S_IFCHR,
  S_IFDIR,
  S_IFIFO,
  S_IFLNK,
  S_IFMT,
  S_IFREG,
  S_IFSOCK,
  type Stat,
  type Sys,
  type Wait,
} from "../kernel/syscall/api.ts";
import { errText, warnErr } from "./lib/fsutil.ts";
import { getopt } from "./lib/getopt.ts";
import { eprint, print } from "./lib/stdio.ts";
import { ctime, groupName, strmode, userName } from "./lib/strmode.ts";

const TYPES: Record<number, string> = {
  [S_IFREG]: "Regular File",
  [S_IFDIR]: "Directory",
  [S_IFLNK]: "Symbolic Link",
  [S_IFCHR]: "Character Device",
  [S_IFBLK]: "Block Device",
  [S_IFIFO]: "FIFO",
  [S_IFSOCK]: "Socket",
};

/** The `stat -x` text for `name`. */
export function formatStat(name: string, st: Stat, link: string | null): string {
  const perm = (st.mode & 0o7777).toString(8).padStart(4, "0");
  const id = (n: number, s: string) => `(${String(n).padStart(5)}/${s.padStart(8)})`;
  return `  File: "${name}"${link !== null ? ` -> "${link}"` : ""}\n` +
    `  Size: ${String(st.size).padEnd(12)} FileType: ${TYPES[st.mode & S_IFMT] ?? "Unknown"}\n` +
    `  Mode: (${perm}/${strmode(st.mode).trim()})         Uid: ${id(st.uid, userName(st.uid))}  ` +
    `Gid: ${id(st.gid, groupName(st.gid))}\n` +
    `Device: ${st.dev >>> 8},${st.dev & 0xff}   Inode: ${st.ino}    Links: ${st.nlink}\n` +
    `Access: ${ctime(st.atime.sec)}\n` +
    `Modify: ${ctime(st.mtime.sec)}\n` +
    `Change: ${ctime(st.ctime.sec)}\n` +
    ` Birth: ${ctime(st.birthtime.sec)}\n`;
}

function* main(sys: Sys, argv: string[]): Wait<number> {
  const g = getopt(argv.slice(1), "Lx");
  if (!g.ok || g.value.operands.length === 0) {
    yield* eprint(sys, `${g.ok ? "" : `stat: ${g.error}\n`}usage: stat [-L] file ...\n`);
    return 1;
  }
  const follow = g.value.opts.has("L");
  let status = 0;
  for (const name of g.value.operands) {
    try {
      const st = follow ? yield* sys.stat(name) : yield* sys.lstat(name);
      let link: string | null = null;
      if ((st.mode & S_IFMT) === S_IFLNK) {
        try {
          link = yield* sys.readlink(name);
        } catch (e) {
          errText(e);
        }
      }
      yield* print(sys, formatStat(name, st, link));
    } catch (e) {
      yield* warnErr(sys, "stat", name, e);
      status = 1;
    }
  }
  return status;
}

export const stat: App = { name: "stat", main, summary: "display file status" };
export default stat;
