/**
 * harness.ts (test support) — runs a test body as an app's main in a fresh kernel: the
 * body gets the app's `Sys`, its process and the kernel; assertion failures inside it are
 * carried out to the test.
 */
import type { Kernel } from "../../../kernel/kern/kernel.ts";
import type { Sys, Wait } from "../../../kernel/syscall/api.ts";
import { AppRunner } from "../../../kernel/syscall/exec.ts";
import type { Proc } from "../../../kernel/syscall/proc.ts";
import { runInKernel } from "../../support/kernel.ts";

export interface SysRun<T> {
  value: T;
  status: number;
  console: string;
  kernel: Kernel;
}

export function runSys<T>(
  body: (sys: Sys, p: Proc, k: Kernel) => Wait<T>,
  opts: { setup?: (k: Kernel) => void; ncpu?: number } = {},
): SysRun<T> {
  let value: T | undefined;
  let error: unknown = null;
  const run = runInKernel(function* (k) {
    opts.setup?.(k);
    let proc: Proc | null = null;
    const runner = new AppRunner(k, [{
      name: "t",
      *main(sys) {
        try {
          value = yield* body(sys, proc!, k);
        } catch (e) {
          error = e;
        }
        return 0;
      },
    }]);
    proc = runner.start("t", ["t"], {});
    return yield* runner.wait(proc);
  }, { ncpu: opts.ncpu });
  if (error) throw error;
  return { value: value as T, status: run.value!, console: run.console, kernel: run.kernel };
}
