/**
 * selinfo.ts — poll notification (NetBSD's struct selinfo, selrecord and selnotify): an
 * object that can be polled keeps a SelInfo, a poller that found it not ready records
 * itself there, and a change of the object's state wakes every recorded poller.
 *
 * Rules: nothing here waits or decides readiness: the object answers poll itself, and a
 * woken poller rescans (syscall/poll.ts). Recording is idempotent; a notify forgets the
 * pollers it wakes, so a poller is woken at most once per recording; waking a poller that
 * has already finished is harmless.
 */

/** One poll(2) call waiting for any of several objects. */
export interface PollWaiter {
  /** Called by selnotify; makes the poller rescan. */
  notify(): void;
}

/** What an object that can be polled keeps (NetBSD's struct selinfo). */
export class SelInfo {
  #waiters: PollWaiter[] = [];

  /** Records a poller (selrecord). */
  record(w: PollWaiter): void {
    if (!this.#waiters.includes(w)) this.#waiters.push(w);
  }

  /** Wakes every recorded poller and forgets them (selnotify). */
  notify(): void {
    if (this.#waiters.length === 0) return;
    const ws = this.#waiters;
    this.#waiters = [];
    for (const w of ws) w.notify();
  }

  /** Forgets a poller that has finished (seldrain for one waiter). */
  remove(w: PollWaiter): void {
    const i = this.#waiters.indexOf(w);
    if (i >= 0) this.#waiters.splice(i, 1);
  }
}
