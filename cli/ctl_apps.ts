/**
 * ctl_apps.ts — the programs `deno task ctl` runs remotely: the shell, the file tools and
 * the network tools, all of apps/ as they are (rumpctrl's unmodified NetBSD tools).
 *
 * Rules: apps only; names are unique (the first of a name wins).
 */
import { FILE_TOOLS } from "../apps/file_tools.ts";
import { ALL_APPS } from "../apps/mod.ts";
import { sh } from "../apps/sh.ts";
import type { App } from "../kernel/syscall/api.ts";

/** Every program ctl runs. */
export const CTL_APPS: readonly App[] = [sh, ...FILE_TOOLS, ...ALL_APPS].filter((a, i, all) =>
  all.findIndex((b) => b.name === a.name) === i
);
