/**
 * kern_event.ts — kqueue(2) and kevent(2) (NetBSD's kern_event.c): a persistent interest
 * set. A process registers (descriptor, filter) pairs once; a state change of a watched
 * object puts its knote on the queue's active list; kevent returns what is on that list.
 * A wait costs what is active, not what is watched: thousands of idle connections cost
 * nothing per call, where poll(2) rescans every descriptor every time.
 *
 * Filters: EVFILT_READ (data to read, a connection to accept, EOF — flagged EV_EOF — or
 * an error) and EVFILT_WRITE (room to write, or an error), on any descriptor whose file
 * can be polled. `data` is the byte count the file reports (`FileOps.ready`: bytes
 * readable, connections waiting to be accepted, room to write), 0 where it has none.
 * Flags: EV_ADD (an existing knote is updated), EV_DELETE, EV_ENABLE, EV_DISABLE,
 * EV_ONESHOT (deleted once returned), EV_DISPATCH (disabled once returned), EV_CLEAR
 * (returned once per state change, not while the state lasts), EV_RECEIPT.
 *
 * How: a knote is a poll waiter (kern/selinfo.ts). Registering asks the file's `poll`
 * with the knote as waiter: ready, the knote goes on the active list; not ready, the file
 * records the knote and its next state change (selnotify) puts it there. kevent takes
 * each active knote off the list and asks the file again — ready: it is returned (and, a
 * level-triggered knote, put back on the list, as it stays ready until asked again); not
 * ready: the file records it again. So a knote is on the active list or recorded with its
 * file, never forgotten, and kevent looks only at knotes that may be ready.
 *
 * Rules (NetBSD's): a change naming a descriptor that is not open fails with EBADF, an
 * unknown filter with EINVAL, EV_DELETE/ENABLE/DISABLE of a knote that does not exist with
 * ENOENT. A failed change (or any change with EV_RECEIPT) is reported as an event with
 * EV_ERROR and the errno in `data` while there is room in the event list; without room the
 * call fails with that errno. Changes are applied in order, before events are collected.
 * Closing a descriptor drops its knotes at once (the fd table tells every kqueue of the
 * process, NetBSD's knote_fdclose), so a closed file is not held; a knote whose
 * descriptor names another file by other means is dropped when it is next looked at. Timeout
 * in ms: 0 collects without waiting, negative waits for ever; `nevents` 0 only applies
 * the changes. kevent on a descriptor that is not a kqueue is EBADF.
 */
import type { Blocking } from "../hypercall/rumpuser.ts";
import { EBADF, EINVAL, ENOENT, Errno, isErrno } from "../kern/errno.ts";
import type { Kernel } from "../kern/kernel.ts";
import type { KCondvar, KMutex } from "../kern/sync.ts";
import {
  EV_ADD,
  EV_CLEAR,
  EV_DELETE,
  EV_DISABLE,
  EV_DISPATCH,
  EV_ENABLE,
  EV_EOF,
  EV_ERROR,
  EV_ONESHOT,
  EV_RECEIPT,
  EVFILT_READ,
  EVFILT_WRITE,
  type KEvent,
  POLLERR,
  POLLHUP,
  POLLIN,
  POLLOUT,
  type Stat,
  type Sys,
} from "./api.ts";
import type { FdTable } from "./fdtable.ts";
import { type FileOps, KFile, type PollWaiter, SelInfo } from "./file.ts";
import type { Proc } from "./proc.ts";

/** The flags a knote keeps from its EV_ADD (returned with each of its events). */
const KEPT_FLAGS = EV_ONESHOT | EV_CLEAR | EV_DISPATCH;

/** One registration: a descriptor's file and a filter, in one kqueue. */
class Knote implements PollWaiter {
  /** On the kqueue's active list. */
  queued = false;
  enabled = true;
  /** EV_CLEAR: returned; waits for the next state change before it may be again. */
  cleared = false;
  constructor(
    readonly kq: KQueue,
    readonly ident: number,
    readonly filter: number,
    readonly fp: KFile,
    public flags: number,
    public udata: number,
  ) {}

  /** The file changed state (selnotify): this knote may be ready. */
  notify(): void {
    this.cleared = false;
    this.kq.activate(this);
  }

  /** The poll events this knote's filter asks the file for. */
  get events(): number {
    return this.filter === EVFILT_READ ? POLLIN : POLLOUT;
  }
}

/** A kqueue: its knotes, the active list, and the lock and condvar kevent waits on. */
class KQueue {
  readonly #knotes = new Map<number, Knote>();
  /** Knotes that may be ready, in the order they became so. */
  #active: Knote[] = [];
  /** Bumped by every activation; a collecting kevent compares it to see if it raced one. */
  seq = 0;
  closed = false;
  /** A kqueue can be polled itself: readable while it has active knotes. */
  readonly sel = new SelInfo();

  constructor(readonly fdt: FdTable, readonly lock: KMutex, readonly cv: KCondvar) {
    fdt.closeHooks.add(this.#fdclose);
  }

  /** A descriptor of the process was closed: its knotes go (knote_fdclose). */
  readonly #fdclose = (fd: number): void => {
    for (const filter of [EVFILT_READ, EVFILT_WRITE]) {
      const kn = this.get(fd, filter);
      if (kn) this.drop(kn);
    }
  };

  /**
   * How many knotes are ready now: the active list without those that are not (their
   * files record them again). What poll(2) and fstat of a kqueue see.
   */
  settle(): number {
    for (const kn of this.takeActive()) {
      if (!kn.enabled || this.get(kn.ident, kn.filter) !== kn || kn.cleared) continue;
      const ev = check(kn, this.fdt);
      if (ev === "gone") this.drop(kn);
      else if (ev !== null) this.activate(kn);
    }
    return this.#active.length;
  }

  #key(ident: number, filter: number): number {
    return ident * 2 + (filter === EVFILT_READ ? 0 : 1);
  }

  get(ident: number, filter: number): Knote | undefined {
    return this.#knotes.get(this.#key(ident, filter));
  }

  add(kn: Knote): void {
    this.#knotes.set(this.#key(kn.ident, kn.filter), kn);
  }

  /** Forgets `kn` (a file that still has it recorded wakes it in vain). */
  drop(kn: Knote): void {
    if (this.get(kn.ident, kn.filter) === kn) this.#knotes.delete(this.#key(kn.ident, kn.filter));
    kn.enabled = false;
  }

  /** Puts `kn` on the active list (once) and wakes whoever waits in kevent. */
  activate(kn: Knote): void {
    if (this.closed || !kn.enabled || kn.queued || this.get(kn.ident, kn.filter) !== kn) return;
    kn.queued = true;
    this.#active.push(kn);
    this.seq++;
    this.cv.broadcast();
    this.sel.notify();
  }

  /** Takes the active list (the caller puts back what is still active). */
  takeActive(): Knote[] {
    const a = this.#active;
    this.#active = [];
    for (const kn of a) kn.queued = false;
    return a;
  }

  close(): void {
    this.closed = true;
    this.fdt.closeHooks.delete(this.#fdclose);
    for (const kn of this.#knotes.values()) kn.enabled = false;
    this.#knotes.clear();
    this.#active = [];
    this.cv.broadcast();
  }
}

const kqueueOps: FileOps = {
  kind: "kqueue",
  *read(): Blocking<number> {
    throw new Errno(EINVAL, "read of a kqueue");
  },
  *write(): Blocking<number> {
    throw new Errno(EINVAL, "write of a kqueue");
  },
  poll(fp, events, w) {
    const kq = fp.data as KQueue;
    const r = kq.settle() > 0 ? events & POLLIN : 0;
    if (r === 0 && w) kq.sel.record(w);
    return r;
  },
  *stat(fp): Blocking<Stat> {
    const t = { sec: 0, nsec: 0 };
    const size = (fp.data as KQueue).settle();
    return {
      dev: 0,
      ino: 0,
      mode: 0o600,
      nlink: 1,
      uid: 0,
      gid: 0,
      rdev: 0,
      size,
      blksize: 0,
      blocks: 0,
      atime: t,
      mtime: t,
      ctime: t,
      birthtime: t,
    };
  },
  *close(fp) {
    (fp.data as KQueue).close();
  },
};

/** The kqueue `fd` names; EBADF when it names none or another kind of file. */
function kqueueOf(fdt: FdTable, fd: number): KQueue {
  const fp = fdt.get(fd, "kevent");
  if (fp.ops !== kqueueOps) throw new Errno(EBADF, "kevent: not a kqueue");
  return fp.data as KQueue;
}

/** The poll bits that make a knote of `filter` ready. */
function readyBits(filter: number): number {
  return filter === EVFILT_READ ? POLLIN | POLLHUP | POLLERR : POLLOUT | POLLHUP | POLLERR;
}

/** Asks `kn`'s file whether it is ready; an event when it is (else the file records it). */
function check(kn: Knote, fdt: FdTable): KEvent | null | "gone" {
  if (!fdt.isOpen(kn.ident) || fdt.get(kn.ident) !== kn.fp) return "gone";
  const r = kn.fp.ops.poll(kn.fp, kn.events, kn);
  if ((r & readyBits(kn.filter)) === 0) return null;
  let flags = kn.flags & KEPT_FLAGS;
  if (r & (POLLHUP | POLLERR)) flags |= EV_EOF;
  const data = kn.fp.ops.ready?.(kn.fp, kn.filter === EVFILT_WRITE) ?? 0;
  return { ident: kn.ident, filter: kn.filter, flags, fflags: 0, data, udata: kn.udata };
}

/** Applies one change; throws the Errno it fails with. */
function applyChange(kq: KQueue, fdt: FdTable, ch: KEvent): void {
  if (ch.filter !== EVFILT_READ && ch.filter !== EVFILT_WRITE) {
    throw new Errno(EINVAL, "kevent: unknown filter");
  }
  if (!fdt.isOpen(ch.ident)) throw new Errno(EBADF, "kevent");
  const fp = fdt.get(ch.ident);
  let kn = kq.get(ch.ident, ch.filter);
  if (kn && kn.fp !== fp) {
    kq.drop(kn); // the descriptor was closed and reused: its old knote is gone
    kn = undefined;
  }
  if (ch.flags & EV_DELETE) {
    if (!kn) throw new Errno(ENOENT, "kevent: no such event");
    kq.drop(kn);
    return;
  }
  if (ch.flags & EV_ADD) {
    if (!kn) {
      kn = new Knote(kq, ch.ident, ch.filter, fp, 0, 0);
      kq.add(kn);
    }
    kn.flags = ch.flags & KEPT_FLAGS;
    kn.udata = ch.udata;
    kn.enabled = true;
  } else if (!kn) {
    throw new Errno(ENOENT, "kevent: no such event");
  }
  if (ch.flags & EV_DISABLE) kn.enabled = false;
  else if (ch.flags & (EV_ENABLE | EV_ADD)) {
    kn.enabled = true;
    kn.cleared = false;
    kq.activate(kn); // asked at the next collection: ready now, or recorded with the file
  }
}

/** Moves what is ready from the active list into `out` (up to `max`); returns how many. */
function collect(kq: KQueue, fdt: FdTable, out: KEvent[], max: number): number {
  const start = out.length;
  const active = kq.takeActive();
  let i = 0;
  for (; i < active.length && out.length - start < max; i++) {
    const kn = active[i];
    if (!kn.enabled || kq.get(kn.ident, kn.filter) !== kn || kn.cleared) continue;
    const ev = check(kn, fdt);
    if (ev === "gone") {
      kq.drop(kn);
      continue;
    }
    if (ev === null) continue; // recorded with its file: its next change brings it back
    out.push(ev);
    if (kn.flags & EV_ONESHOT) kq.drop(kn);
    else if (kn.flags & EV_DISPATCH) kn.enabled = false;
    else if (kn.flags & EV_CLEAR) {
      // Returned once for this state: wait for the next change of the file.
      kn.cleared = true;
      kn.fp.ops.poll(kn.fp, 0, kn);
    } else kq.activate(kn); // level-triggered: still ready until asked again
  }
  for (; i < active.length; i++) kq.activate(active[i]); // no room: keep for the next call
  return out.length - start;
}

/** kevent(2) of `proc` on kqueue `fd`. */
function* doKevent(
  k: Kernel,
  fdt: FdTable,
  fd: number,
  changes: readonly KEvent[],
  nevents: number,
  timeoutMs: number,
): Blocking<KEvent[]> {
  const kq = kqueueOf(fdt, fd);
  if (!Number.isInteger(nevents) || nevents < 0) throw new Errno(EINVAL, "kevent");
  const out: KEvent[] = [];
  for (const ch of changes) {
    let err = 0;
    try {
      applyChange(kq, fdt, ch);
    } catch (e) {
      if (!isErrno(e)) throw e;
      err = (e as Errno).errno;
    }
    if (err === 0 && !(ch.flags & EV_RECEIPT)) continue;
    if (out.length >= nevents) {
      if (err) throw new Errno(err, "kevent");
      continue;
    }
    out.push({ ...ch, flags: ch.flags | EV_ERROR, data: err });
  }
  if (out.length >= nevents || nevents === 0) return out;
  const max = nevents - out.length;
  if (timeoutMs === 0) {
    collect(kq, fdt, out, max);
    return out;
  }
  const deadline = timeoutMs < 0 ? Infinity : k.nanotime() + Math.floor(timeoutMs) * 1e6;
  yield* kq.lock.enter();
  try {
    for (;;) {
      const seq = kq.seq;
      if (collect(kq, fdt, out, max) > 0 || kq.closed) return out;
      if (kq.seq !== seq) continue; // a knote became active while we looked
      const left = deadline - k.nanotime();
      if (left <= 0) return out;
      yield* kq.cv.timedwait(kq.lock, left);
    }
  } finally {
    kq.lock.exit();
  }
}

/** The kqueue calls of `proc` on kernel `k`. */
export function kernEvent(k: Kernel, proc: Proc): Pick<Sys, "kqueue" | "kevent"> {
  const fdt = proc.fd;
  return {
    kqueue() {
      fdt.checkFree();
      const kq = new KQueue(fdt, k.mutex("kqueue"), k.cv("kqueue"));
      return fdt.alloc(new KFile(kqueueOps, 0, kq));
    },
    *kevent(kq, changes, nevents, timeoutMs) {
      const fp = fdt.hold(kq, "kevent");
      try {
        return yield* doKevent(k, fdt, kq, changes, nevents, timeoutMs);
      } finally {
        yield* fdt.release(fp);
      }
    },
  };
}
