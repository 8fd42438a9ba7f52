/**
 * poll.ts — poll(2): waits until any of several descriptors is ready (NetBSD's
 * sys_select.c, pollcommon and selscan).
 *
 * Rules: a scan asks each file's `ops.poll` for the events it has now; a negative fd is
 * skipped (revents 0); an fd that names nothing gets POLLNVAL and counts as ready.
 * POLLERR, POLLHUP and POLLNVAL are reported whether asked for or not. With nothing ready
 * the scan leaves the calling lwp's waiter with every object (selrecord), and the lwp
 * sleeps on its condvar until an object's selnotify wakes it or the timeout runs out,
 * then scans again. Each lwp has one waiter for life (NetBSD's per-lwp selcluster state),
 * so objects never collect stale waiters: a stale wake only makes a later poll rescan.
 * Timeout in ms: 0 scans once, negative waits forever. More than `1000 + fd limit`
 * entries is EINVAL, NetBSD's rule. Returns the number of entries with revents set.
 */
import type { Blocking } from "../hypercall/rumpuser.ts";
import { EINVAL, Errno } from "../kern/errno.ts";
import type { Kernel } from "../kern/kernel.ts";
import type { Lwp } from "../kern/lwp.ts";
import type { KCondvar, KMutex } from "../kern/sync.ts";
import { POLLERR, type PollFd, POLLHUP, POLLNVAL } from "./api.ts";
import type { FdTable } from "./fdtable.ts";
import type { PollWaiter } from "./file.ts";

/** One lwp's poll state: a lock, a condvar, and a count of notifications. */
class LwpPoller implements PollWaiter {
  /** Bumped by every notify; a scan compares it to see if it raced with one. */
  seq = 0;
  constructor(readonly lock: KMutex, readonly cv: KCondvar) {}
  notify(): void {
    this.seq++;
    this.cv.broadcast();
  }
}

const pollers = new WeakMap<Lwp, LwpPoller>();

function pollerOf(k: Kernel, l: Lwp): LwpPoller {
  let p = pollers.get(l);
  if (!p) {
    p = new LwpPoller(k.mutex("poll"), k.cv("poll"));
    pollers.set(l, p);
  }
  return p;
}

/** Scans `fds` once; records `w` with every object when given. Returns the ready count. */
export function pollScan(fdt: FdTable, fds: PollFd[], w: PollWaiter | null): number {
  let n = 0;
  for (const pfd of fds) {
    pfd.revents = 0;
    if (pfd.fd < 0) continue;
    if (!fdt.isOpen(pfd.fd)) {
      pfd.revents = POLLNVAL;
      n++;
      continue;
    }
    const fp = fdt.get(pfd.fd);
    const r = fp.ops.poll(fp, pfd.events, w);
    pfd.revents = r & (pfd.events | POLLERR | POLLHUP | POLLNVAL);
    if (pfd.revents) n++;
  }
  return n;
}

/** poll(2) for the calling lwp over its process's descriptors. */
export function* doPoll(
  k: Kernel,
  fdt: FdTable,
  fds: PollFd[],
  timeoutMs: number,
): Blocking<number> {
  if (fds.length > 1000 + fdt.limit) throw new Errno(EINVAL, "poll");
  if (timeoutMs === 0) return pollScan(fdt, fds, null);
  const deadline = timeoutMs < 0 ? Infinity : k.nanotime() + Math.floor(timeoutMs) * 1e6;
  const w = pollerOf(k, k.curlwp());
  yield* w.lock.enter();
  try {
    for (;;) {
      const seq = w.seq;
      const n = pollScan(fdt, fds, w);
      if (n > 0) return n;
      if (w.seq !== seq) continue; // an object changed during the scan: look again
      const left = deadline - k.nanotime();
      if (left <= 0) return 0;
      yield* w.cv.timedwait(w.lock, left);
    }
  } finally {
    w.lock.exit();
  }
}
