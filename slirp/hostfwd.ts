/**
 * hostfwd.ts (hosted) — QEMU's hostfwd in the user netdev's gateway: a host listener
 * (Deno.listen on a loopback address) whose every accepted connection becomes a TCP
 * connection from the gateway kernel to the guest, with bytes relayed both ways.
 *
 * One relay per host connection: two gateway kernel threads over one socket of the
 * gateway kernel (the same socket layer an app uses), and two host tasks over the Deno
 * connection, meeting through HostWork (host → kernel) and a condition variable.
 *   up   (host → guest): the host task reads a chunk only after the previous one is in the
 *        gateway socket's send buffer (sendto returned); host EOF → shutdown(SHUT_WR);
 *        a host reset → the socket is closed with SO_LINGER 0, which sends the guest a RST.
 *   down (guest → host): the thread reads the socket into one of two half-chunk buffers
 *        while the other's host write is under way, and reuses a buffer only after its
 *        write completed (host writes stay in order, and start when the machine next
 *        waits for the host: one busy stretch's writes go out together); the guest's
 *        FIN → conn.closeWrite() once the writes are done; the guest's RST → the host connection is closed once
 *        what came before it is written, unread data and all.
 * So each direction holds at most one chunk (RELAY_CHUNK; down: two halves) outside the two sockets' own
 * bounded buffers, however slow the other side: that is the back-pressure.
 * A host connection to a guest port with no listener (the guest answers the SYN with a
 * RST) is closed without a byte — the host sees the connection end at once.
 *
 * The relay is also the outbound NAT's (nat_tcp.ts): there the gateway socket is one the
 * gateway accepted from the guest (`startRelay` with `{ accepted }`), and the host
 * connection one the gateway made to the host's loopback; the rules above are the same.
 *
 * Rules: host callbacks only `post` to HostWork; kernel state changes in the event loop's
 * context or in gateway threads. Every host listener and connection is an open host
 * source while it lives. A host address that is not loopback (127/8) is refused here.
 */
import { Errno } from "../kernel/kern/errno.ts";
import type { Kernel } from "../kernel/kern/kernel.ts";
import type { KCondvar, KMutex } from "../kernel/kern/sync.ts";
import {
  AF_INET,
  SHUT_RD,
  SHUT_WR,
  SO_LINGER,
  SOCK_STREAM,
  SOL_SOCKET,
} from "../kernel/syscall/api.ts";
import type { KFile } from "../kernel/syscall/file.ts";
import type { ProcRef, SocketSyscalls } from "../kernel/syscall/systab.ts";
import type { HostWork } from "../sched/host_work.ts";

/** A hostfwd rule (arch/netdev/user.ts parses QEMU's syntax into this shape). */
export interface HostFwd {
  proto: "tcp";
  hostAddr: string;
  /** 0: the host picks a free port. */
  hostPort: number;
  guestAddr: string;
  guestPort: number;
}

/** Bytes read from (or written to) the host at a time: the most a direction holds. */
export const RELAY_CHUNK = 32 * 1024;

export interface RelayStats {
  /** Host connections accepted. */
  accepted: number;
  /** Relays over (both directions done). */
  closed: number;
  /** Host connections the guest refused (no listener): closed without data. */
  refused: number;
  /** Guest resets carried to the host, and host resets carried to the guest. */
  guestResets: number;
  hostResets: number;
  bytesUp: number;
  bytesDown: number;
  /** Bytes held by relays outside the sockets now, and the most ever held by one relay. */
  held: number;
  maxHeldPerRelay: number;
}

export function newRelayStats(): RelayStats {
  return {
    accepted: 0,
    closed: 0,
    refused: 0,
    guestResets: 0,
    hostResets: 0,
    bytesUp: 0,
    bytesDown: 0,
    held: 0,
    maxHeldPerRelay: 0,
  };
}

/** What a relay needs of the gateway. */
export interface RelayEnv {
  k: Kernel;
  proc: ProcRef;
  host: HostWork;
  stats: RelayStats;
}

/**
 * The guest side of a relay: a connection the gateway opens to the guest (hostfwd), or a
 * connected gateway socket it accepted from the guest (the outbound NAT).
 */
export type RelayGuest = { connect: { addr: string; port: number } } | { accepted: KFile };

/** A running relay; `hostAbort` ends it from the host side (the gateway closes). */
export interface RelayHandle {
  hostAbort(): void;
}

/**
 * Relays `conn` (a host connection) and the guest side both ways until both directions
 * are done; `name` names its gateway threads; `onDone` runs once, when it is over.
 */
export function startRelay(
  env: RelayEnv,
  name: string,
  conn: Deno.TcpConn,
  guest: RelayGuest,
  onDone: () => void,
): RelayHandle {
  return new Relay(env, name, conn, guest, onDone);
}

/** A hostfwd rule's host listener; `close` ends it and every relay it started. */
export class HostFwdListener {
  readonly #listener: Deno.TcpListener;
  readonly #relays = new Set<RelayHandle>();
  #closed = false;

  constructor(readonly env: RelayEnv, readonly fwd: HostFwd) {
    if (!/^127\.\d+\.\d+\.\d+$/.test(fwd.hostAddr)) {
      throw new Error(`hostfwd: host address ${fwd.hostAddr} is not a loopback address`);
    }
    this.#listener = Deno.listen({ hostname: fwd.hostAddr, port: fwd.hostPort });
    env.host.openSource();
    void this.#acceptLoop();
  }

  /** The bound host address (its port is the one chosen when the rule said 0). */
  get addr(): Deno.NetAddr {
    return this.#listener.addr;
  }

  async #acceptLoop(): Promise<void> {
    for (;;) {
      let conn: Deno.TcpConn;
      try {
        conn = await this.#listener.accept();
      } catch {
        break; // the listener was closed
      }
      if (this.#closed) {
        conn.close();
        break;
      }
      conn.setNoDelay(true);
      this.env.stats.accepted++;
      this.env.host.post(() => {
        const guest = { connect: { addr: this.fwd.guestAddr, port: this.fwd.guestPort } };
        const name = `hostfwd:${this.fwd.guestPort}`;
        const r = startRelay(this.env, name, conn, guest, () => this.#relays.delete(r));
        this.#relays.add(r);
      });
    }
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    try {
      this.#listener.close();
    } catch { /* already closed */ }
    this.env.host.closeSource();
    for (const r of this.#relays) r.hostAbort();
  }
}

/** One host connection relayed to the guest. */
class Relay implements RelayHandle {
  readonly #net: SocketSyscalls;
  readonly #mtx: KMutex;
  /** The up thread waits on one, the down thread on the other: a wake is for its reader. */
  readonly #upCv: KCondvar;
  readonly #downCv: KCondvar;
  #fp: KFile | null = null;
  /** A chunk from the host waiting to go into the socket (a view of #hostBuf). */
  #up: Uint8Array | null = null;
  /**
   * The up direction's one host buffer: a read into it starts only once the chunk before
   * was copied into the gateway socket, so it is never read into while it is in use.
   */
  readonly #hostBuf = new Uint8Array(RELAY_CHUNK);
  /** Bytes the last host read gave, on their way to `#deliverUp`. */
  #hostN = 0;
  #hostEof = false;
  #hostErr = false;
  #guestGone = false;
  #aborted = false;
  /** Down: chunks handed to the host and not yet written (0–2), and their bytes. */
  #inFlight = 0;
  #downHeld = 0;
  /** Host side of the down direction: a write is under way; the chunk queued behind it. */
  #hostWriting = false;
  #queued: Uint8Array | null = null;
  /** Host writes finished and not yet applied by `#applyWritten`: bytes and count. */
  #written = 0;
  #writesDone = 0;
  #writtenPosted = false;
  #hostClosed = false;
  #threads = 0;
  #held = 0;

  constructor(
    readonly env: RelayEnv,
    readonly name: string,
    readonly conn: Deno.TcpConn,
    readonly guest: RelayGuest,
    readonly onDone: () => void,
  ) {
    this.#net = env.k.syscalls.net!;
    this.#mtx = env.k.mutex("relay");
    this.#upCv = env.k.cv("relay up");
    this.#downCv = env.k.cv("relay down");
    env.host.openSource();
    this.#threads = 1;
    env.k.threadCreate(name, () => this.#upThread());
  }

  #hold(n: number): void {
    this.#held += n;
    this.env.stats.held += n;
    if (this.#held > this.env.stats.maxHeldPerRelay) this.env.stats.maxHeldPerRelay = this.#held;
  }

  /**
   * Host → kernel: change state in the event loop's context and wake the thread the news
   * is for (`cv`), or both threads.
   */
  #post(fn: () => void, cv: KCondvar | null = null): void {
    this.env.host.post(() => {
      fn();
      if (cv !== null) cv.broadcast();
      else this.#wakeBoth();
    });
  }

  #wakeBoth(): void {
    this.#upCv.broadcast();
    this.#downCv.broadcast();
  }

  /** Waits on `cv` until `cond` holds (at once, without the mutex, if it already does). */
  *#waitFor(cv: KCondvar, cond: () => boolean) {
    if (cond()) return;
    yield* this.#mtx.enter();
    while (!cond()) yield* cv.wait(this.#mtx);
    this.#mtx.exit();
  }

  /** Something for the up thread: a chunk, the host's EOF or error, the guest gone. */
  readonly #upReady = (): boolean =>
    this.#up !== null || this.#hostEof || this.#hostErr || this.#guestGone;

  *#upThread() {
    const net = this.#net;
    const g = this.guest;
    if ("accepted" in g) {
      this.#fp = g.accepted;
    } else {
      const fp = net.socket(this.env.proc, AF_INET, SOCK_STREAM, 0);
      this.#fp = fp;
      try {
        yield* net.connect(fp, g.connect);
      } catch (e) {
        if (!(e instanceof Errno)) throw e;
        this.env.stats.refused++;
        this.#guestGone = true;
        this.#closeHost();
        yield* this.#threadDone();
        return;
      }
    }
    const fp = this.#fp;
    this.#threads++;
    this.env.k.threadCreate(`${this.name}:down`, () => this.#downThread());
    this.#readHost();
    for (;;) {
      yield* this.#waitFor(this.#upCv, this.#upReady);
      if (this.#guestGone) break;
      const chunk = this.#up;
      if (chunk) {
        try {
          for (let off = 0; off < chunk.length;) {
            off += yield* net.sendto(fp, chunk.subarray(off), 0, null);
          }
          this.env.stats.bytesUp += chunk.length;
        } catch (e) {
          if (!(e instanceof Errno)) throw e;
          this.#guestReset();
          break;
        } finally {
          this.#hold(-chunk.length);
        }
        this.#up = null;
        this.#readHost(); // the buffer is free again
        continue;
      }
      if (this.#hostErr) {
        yield* this.#abortGuest();
        break;
      }
      if (this.#hostEof) {
        try {
          yield* net.shutdown(fp, SHUT_WR);
        } catch (e) {
          if (!(e instanceof Errno)) throw e;
        }
        break;
      }
    }
    yield* this.#threadDone();
  }

  *#downThread() {
    const net = this.#net, fp = this.#fp!;
    // Two buffers of half a chunk: the thread reads the socket into one while the other
    // is being written to the host, and reuses a buffer only after its write completed.
    const bufs = [new Uint8Array(RELAY_CHUNK / 2), new Uint8Array(RELAY_CHUNK / 2)];
    for (let which = 0;; which ^= 1) {
      // Writes complete in order: with at most one in flight, this buffer's is done.
      if (this.#inFlight > 1 && !this.#hostErr) {
        yield* this.#waitFor(this.#downCv, () => this.#inFlight <= 1 || this.#hostErr);
      }
      if (this.#hostErr) {
        yield* this.#abortGuest();
        break;
      }
      const buf = bufs[which];
      let n: number;
      try {
        n = (yield* net.recvfrom(fp, buf, 0)).n;
      } catch (e) {
        if (!(e instanceof Errno)) throw e;
        // What the guest sent before its RST reaches the host first.
        yield* this.#drainDown();
        this.#guestReset();
        break;
      }
      if (this.#aborted || this.#hostErr) break;
      if (n === 0) {
        yield* this.#drainDown();
        if (!this.#hostClosed && !this.#hostErr) {
          this.conn.closeWrite().catch(() => {});
        }
        break;
      }
      // No copy: this buffer is read into again only after its host write completed.
      this.#hold(n);
      this.#downHeld += n;
      this.#inFlight++;
      const chunk = buf.subarray(0, n);
      if (this.#hostWriting) this.#queued = chunk;
      else {
        // The write starts when the machine next waits for the host (a microtask runs only
        // then): the responses of one busy stretch reach the host together, so a host
        // reader woken by the first finds the rest ready. Later chunks queue behind it.
        this.#hostWriting = true;
        queueMicrotask(() => void this.#hostWrite(chunk));
      }
    }
    yield* this.#drainDown();
    yield* this.#threadDone();
  }

  /** Waits until every chunk handed to the host is written (or the host failed). */
  *#drainDown() {
    if (this.#inFlight > 0 && !this.#hostErr) {
      yield* this.#waitFor(this.#downCv, () => this.#inFlight === 0 || this.#hostErr);
    }
  }

  /** The guest reset the connection: close the host side at once. */
  #guestReset(): void {
    if (this.#guestGone) return;
    this.#guestGone = true;
    if (!this.#aborted) this.env.stats.guestResets++;
    this.#closeHost(); // a host read under way fails and reads no more
    this.#wakeBoth();
  }

  /** The host reset: the gateway socket will close with a RST; unblock the down thread. */
  *#abortGuest() {
    if (this.#aborted) return;
    this.#aborted = true;
    this.env.stats.hostResets++;
    // close(2) with a zero linger time aborts: RST (tcp_usrreq detach).
    this.#net.setsockopt(this.#fp!, SOL_SOCKET, SO_LINGER, 0);
    this.#wakeBoth();
    try {
      // Wakes a down thread blocked in recvfrom: it reads EOF and ends.
      yield* this.#net.shutdown(this.#fp!, SHUT_RD);
    } catch (e) {
      if (!(e instanceof Errno)) throw e; // not connected any more
    }
  }

  /** Ends everything from the host side (the listener closes, the run ends). */
  hostAbort(): void {
    this.#post(() => {
      this.#hostErr = true;
    });
    this.#closeHost();
  }

  *#threadDone() {
    if (--this.#threads > 0) return;
    const fp = this.#fp;
    this.#fp = null;
    if (fp) {
      try {
        yield* fp.ops.close(fp);
      } catch (e) {
        if (!(e instanceof Errno)) throw e;
      }
    }
    this.#closeHost();
    this.env.stats.closed++;
    this.env.host.closeSource();
    this.onDone();
  }

  #closeHost(): void {
    if (this.#hostClosed) return;
    this.#hostClosed = true;
    try {
      this.conn.close();
    } catch { /* already closed */ }
  }

  /** Starts a host read into #hostBuf (at the start, and each time the buffer is free). */
  #readHost(): void {
    this.conn.read(this.#hostBuf).then(this.#onHostRead, this.#onHostReadError);
  }

  readonly #onHostRead = (n: number | null): void => {
    if (n === null) {
      this.#post(() => (this.#hostEof = true), this.#upCv);
      return;
    }
    this.#hostN = n;
    this.env.host.post(this.#deliverUp);
  };

  readonly #onHostReadError = (): void => {
    if (!this.#hostClosed) this.#post(() => (this.#hostErr = true));
  };

  /** (event loop) A host chunk for the up thread. */
  readonly #deliverUp = (): void => {
    const n = this.#hostN;
    this.#hold(n);
    this.#up = this.#hostBuf.subarray(0, n);
    this.#upCv.broadcast();
  };

  /** Writes `chunk`, then the chunk queued behind it, if any, in order. */
  async #hostWrite(chunk: Uint8Array): Promise<void> {
    this.#hostWriting = true;
    for (let c: Uint8Array | null = chunk; c;) {
      try {
        for (let off = 0; off < c.length;) {
          off += await this.conn.write(off === 0 ? c : c.subarray(off));
        }
      } catch {
        this.#queued = null;
        this.#hostWriting = false;
        this.#post(() => {
          this.#hostErr = true;
          this.#hold(-this.#downHeld);
          this.#downHeld = 0;
          this.#inFlight = 0;
        });
        return;
      }
      // Counted here, applied in the event loop (one posted call for the writes that
      // finish before it runs).
      this.#written += c.length;
      this.#writesDone++;
      if (!this.#writtenPosted) {
        this.#writtenPosted = true;
        this.env.host.post(this.#applyWritten);
      }
      c = this.#queued;
      this.#queued = null;
    }
    this.#hostWriting = false;
  }

  /** (event loop) Writes that finished: their bytes are no longer held; wake the thread. */
  readonly #applyWritten = (): void => {
    const n = this.#written;
    this.#writtenPosted = false;
    this.#written = 0;
    this.#hold(-n);
    this.#downHeld -= n;
    this.#inFlight -= this.#writesDone;
    this.#writesDone = 0;
    this.env.stats.bytesDown += n;
    this.#downCv.broadcast();
  };
}
