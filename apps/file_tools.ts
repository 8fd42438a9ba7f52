/**
 * file_tools.ts — the file tools a shell image links next to `sh` (what rumprun's
 * multi-program images link as separate programs): ls, cat, chmod, mkdir, rmdir, rm, mv, cp,
 * ln, stat, touch, df, mount, umount, dmesg. The shell runs each by name.
 */
import type { App } from "../kernel/syscall/api.ts";
import { cat } from "./cat.ts";
import { chmod } from "./chmod.ts";
import { cp } from "./cp.ts";
import { df } from "./df.ts";
import { dmesg } from "./dmesg.ts";
import { ln } from "./ln.ts";
import { ls } from "./ls.ts";
import { mkdir } from "./mkdir.ts";
import { mount } from "./mount.ts";
import { mv } from "./mv.ts";
import { rm } from "./rm.ts";
import { rmdir } from "./rmdir.ts";
import { stat } from "./stat.ts";
import { touch } from "./touch.ts";
import { umount } from "./umount.ts";

/** The tools, sorted by name. */
export const FILE_TOOLS: readonly App[] = [
  cat,
  chmod,
  cp,
  df,
  dmesg,
  ln,
  ls,
  mkdir,
  mount,
  mv,
  rm,
  rmdir,
  stat,
  touch,
  umount,
];
