/**
 * lwp.ts — light-weight processes (NetBSD's lwp): the kernel's view of a thread.
 *
 * Rules: every thread that enters the kernel has an lwp, stored with the platform through
 * curlwpop(SET) so that `curlwp()` finds it. An lwp belongs to a process (proc 0 is the
 * kernel's own, for kthreads and the interrupt thread).
 */
import type { VCpu } from "./vcpu.ts";

/** The process an lwp belongs to; the syscall layer extends it with its fd table. */
export interface ProcBase {
  readonly pid: number;
  readonly name: string;
}

export class Lwp {
  cpu: VCpu | null = null;
  /** What the lwp waits on, when it does (for ps). */
  wmesg = "";
  constructor(readonly lid: number, readonly proc: ProcBase, readonly name: string) {}
}
