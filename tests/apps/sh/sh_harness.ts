/**
 * sh_harness.ts (test support for tests/apps/sh) — runs `sh` with the file tools linked,
 * as the shell image does, over a kernel with the VFS (tmpfs root), kernfs at /kern, devfs at
 * /dev and a tmpfs at /tmp; returns the exit status and what the run printed on the console.
 */
import { FILE_TOOLS } from "../../../apps/file_tools.ts";
import { sh } from "../../../apps/sh.ts";
import { initComponents } from "../../../kernel/kern/component.ts";
import type { Kernel } from "../../../kernel/kern/kernel.ts";
import { AppRunner } from "../../../kernel/syscall/exec.ts";
import { rumpfs_kernfs, rumpfs_tmpfs, rumpvfs } from "../../../fs/vfs_init.ts";
import { rumpfs_devfs } from "../../../fs/devfs/devfs.ts";
import { runInKernel } from "../../support/kernel.ts";

export interface ShRun {
  status: number;
  /** Console output (stdout and stderr, interleaved as written). */
  out: string;
  kernel: Kernel;
}

/** Runs `sh argv...` (e.g. ["-c", "ls /"]); `input` is fed to the console (then EOF). */
export function runSh(
  argv: string[],
  opts: { input?: string; env?: Record<string, string> } = {},
): ShRun {
  let status = -1;
  const r = runInKernel(function* (k) {
    yield* initComponents(k, [rumpvfs, rumpfs_tmpfs, rumpfs_kernfs, rumpfs_devfs]);
    if (opts.input !== undefined) {
      k.consoleInput(new TextEncoder().encode(opts.input));
      k.consoleInput(null);
    }
    const runner = new AppRunner(k, [sh, ...FILE_TOOLS]);
    const env = opts.env ?? { PATH: "/bin", HOME: "/" };
    status = yield* runner.wait(runner.start("sh", ["sh", ...argv], env));
  });
  return { status, out: r.console, kernel: r.kernel };
}

/** `sh -c script`. */
export function shc(script: string): ShRun {
  return runSh(["-c", script]);
}
