/**
 * file_tools.ts — the tools a shell image links next to `sh` (what rumprun's multi-program
 * images link as separate programs): the file tools (ls, cat, chmod, mkdir, rmdir, rm, mv,
 * cp, ln, stat, touch, df, mount, umount), the text filters (head, tail, grep, wc, sort,
 * uniq, printf), and the system tools (date, sleep, env, uname, ps, hostname, kill, dmesg,
 * true, false). The shell runs each by name.
 */
import type { App } from "../kernel/syscall/api.ts";
import { cat } from "./cat.ts";
import { chmod } from "./chmod.ts";
import { cp } from "./cp.ts";
import { date } from "./date.ts";
import { df } from "./df.ts";
import { dmesg } from "./dmesg.ts";
import { env } from "./env.ts";
import { grep } from "./grep.ts";
import { head } from "./head.ts";
import { hostname } from "./hostname.ts";
import { kill } from "./kill.ts";
import { ln } from "./ln.ts";
import { ls } from "./ls.ts";
import { mkdir } from "./mkdir.ts";
import { mount } from "./mount.ts";
import { mv } from "./mv.ts";
import { printf } from "./printf.ts";
import { ps } from "./ps.ts";
import { rm } from "./rm.ts";
import { rmdir } from "./rmdir.ts";
import { sleep } from "./sleep.ts";
import { sort } from "./sort.ts";
import { stat } from "./stat.ts";
import { tail } from "./tail.ts";
import { touch } from "./touch.ts";
import { falseApp, trueApp } from "./true.ts";
import { umount } from "./umount.ts";
import { uname } from "./uname.ts";
import { uniq } from "./uniq.ts";
import { wc } from "./wc.ts";

/** The tools, sorted by name. */
export const FILE_TOOLS: readonly App[] = [
  cat,
  chmod,
  cp,
  date,
  df,
  dmesg,
  env,
  falseApp,
  grep,
  head,
  hostname,
  kill,
  ln,
  ls,
  mkdir,
  mount,
  mv,
  printf,
  ps,
  rm,
  rmdir,
  sleep,
  sort,
  stat,
  tail,
  touch,
  trueApp,
  umount,
  uname,
  uniq,
  wc,
];
