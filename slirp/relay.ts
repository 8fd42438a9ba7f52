/**
 * relay.ts — one relayed TCP connection of the user netdev's gateway: bytes copied both
 * ways between a host connection (host/host_net.ts) and a connected socket of the gateway
 * kernel, until both directions are done. hostfwd.ts starts one for each host connection
 * its listener accepts (the socket connects to the guest); nat_tcp.ts one for each guest
 * connection it accepts (the host connection goes to the host's loopback).
 *
 * Two gateway kernel threads over the socket (the same socket layer an app uses), and
 * the host connection's completions, which arrive through HostWork (host → kernel) and
 * meet the threads at one condition variable per direction:
 *   up   (host → guest): the host task reads a chunk only after the previous one is in the
 *        gateway socket's send buffer (sendto returned); host EOF → shutdown(SHUT_WR);
 *        a host reset → the socket is closed with SO_LINGER 0, which sends the guest a RST.
 *   down (guest → host): the thread reads the socket into one of two half-chunk buffers
 *        while the other's host write is under way, and reuses a buffer only after its
 *        write completed (host writes stay in order); the guest's
 *        FIN → closeWrite() once the writes are done; the guest's RST → the host
 *        connection is closed once what came before it is written, unread data and all.
 * So each direction holds at most one chunk (RELAY_CHUNK; down: two halves) outside the
 * two sockets' own bounded buffers, however slow the other side: that is the
 * back-pressure. A socket the guest refused (`GuestSocket.refused`) ends the relay at
 * once: the host connection is closed without a byte.
 *
 * Rules: kernel state changes in the event loop's context (where the host connection's
 * completions run) or in gateway threads. The host connection is an open host source while the
 * relay lives, and is closed when it ends.
 */
import { Errno } from "../kernel/kern/errno.ts";
import type { Kernel } from "../kernel/kern/kernel.ts";
import type { KCondvar, KMutex } from "../kernel/kern/sync.ts";
import type { Blocking } from "../kernel/hypercall/rumpuser.ts";
import { SHUT_RD, SHUT_WR, SO_LINGER, SOL_SOCKET } from "../kernel/syscall/api.ts";
import type { KFile } from "../kernel/syscall/file.ts";
import { type ProcRef, type SocketSyscalls, sysent } from "../kernel/syscall/systab.ts";
import type { HostWork } from "../sched/host_work.ts";
import type { HostNet, HostStream } from "../host/host_net.ts";

/** Bytes read from (or written to) the host at a time: the most a direction holds. */
export const RELAY_CHUNK = 32 * 1024;

/**
 * Each direction's buffers start at this size and grow to the full chunk the first time
 * a read fills one: a connection carrying small requests and responses (most of them)
 * costs a few KiB of host memory, not 64 KiB, so 10,000 of them fit in tens of MiB.
 */
export const RELAY_FIRST_CHUNK = 2048;

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
  /** The host's network: how hostfwd and the NAT reach the host (host/host_net.ts). */
  net: HostNet;
  stats: RelayStats;
}

/** The relay's gateway socket; `refused`: the guest refused it, and the relay just ends. */
export interface GuestSocket {
  fp: KFile;
  refused: boolean;
}

/**
 * The guest side of a relay: a connected gateway socket, or how the relay's first thread
 * gets one (a connect that may wait).
 */
export type RelayGuest = KFile | (() => Blocking<GuestSocket>);

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
  conn: HostStream,
  guest: RelayGuest,
  onDone: () => void,
): RelayHandle {
  return new Relay(env, name, conn, guest, onDone);
}

/** Host → guest: the host task reads into `buf`, the up thread sends that into the socket. */
interface UpDirection {
  /** The up thread waits here: a wake is for it. */
  readonly cv: KCondvar;
  /**
   * The one host buffer: a read into it starts only once the chunk before was copied
   * into the gateway socket, so it is never read into while it is in use. It starts at
   * RELAY_FIRST_CHUNK and is replaced by a RELAY_CHUNK one once a read fills it.
   */
  buf: Uint8Array;
  /** Bytes the last host read gave, on their way to `#deliverUp`. */
  n: number;
  /** A chunk from the host waiting to go into the socket (a view of `buf`). */
  chunk: Uint8Array | null;
  /** The host's FIN arrived. */
  eof: boolean;
}

/** Guest → host: the down thread reads the socket, the host connection writes it. */
interface DownDirection {
  /** The down thread waits here: a wake is for it. */
  readonly cv: KCondvar;
  /** Chunks handed to the host connection and not yet written (0–2), and their bytes. */
  inFlight: number;
  held: number;
  /** A host write failed: later completions carry nothing. */
  failed: boolean;
}

/** How the relay is ending; each flag is set once. */
interface Ending {
  /** The host connection failed, or the gateway ended it (`hostAbort`). */
  hostErr: boolean;
  /** The guest refused or reset the connection: nothing more goes into the socket. */
  guestGone: boolean;
  /** The socket is being aborted (a RST to the guest) for the host's failure. */
  aborted: boolean;
  /** The host connection is closed. */
  hostClosed: boolean;
}

/** One host connection relayed to the guest. */
class Relay implements RelayHandle {
  readonly #net: SocketSyscalls;
  /** The mutex both threads wait under. */
  readonly #mtx: KMutex;
  readonly #up: UpDirection;
  readonly #down: DownDirection;
  readonly #end: Ending = { hostErr: false, guestGone: false, aborted: false, hostClosed: false };
  /** The gateway socket, once the first thread has it, until the last thread closes it. */
  #fp: KFile | null = null;
  /** Gateway threads running: the relay is over when the last one ends. */
  #threads = 0;
  /** Bytes this relay holds outside the sockets (both directions). */
  #held = 0;

  constructor(
    readonly env: RelayEnv,
    readonly name: string,
    readonly conn: HostStream,
    readonly guest: RelayGuest,
    readonly onDone: () => void,
  ) {
    this.#net = sysent(env.k).net!;
    this.#mtx = env.k.mutex("relay");
    this.#up = {
      cv: env.k.cv("relay up"),
      buf: new Uint8Array(RELAY_FIRST_CHUNK),
      n: 0,
      chunk: null,
      eof: false,
    };
    this.#down = { cv: env.k.cv("relay down"), inFlight: 0, held: 0, failed: false };
    env.host.openSource();
    this.#threads = 1;
    env.k.threadCreate(name, () => this.#upThread());
  }

  #hold(n: number): void {
    this.#held += n;
    this.env.stats.held += n;
    if (this.#held > this.env.stats.maxHeldPerRelay) this.env.stats.maxHeldPerRelay = this.#held;
  }

  #wakeBoth(): void {
    this.#up.cv.broadcast();
    this.#down.cv.broadcast();
  }

  /** Waits on `cv` until `cond` holds (at once, without the mutex, if it already does). */
  *#waitFor(cv: KCondvar, cond: () => boolean): Blocking {
    if (cond()) return;
    yield* this.#mtx.enter();
    while (!cond()) yield* cv.wait(this.#mtx);
    this.#mtx.exit();
  }

  /** Something for the up thread: a chunk, the host's EOF or error, the guest gone. */
  readonly #upReady = (): boolean =>
    this.#up.chunk !== null || this.#up.eof || this.#end.hostErr || this.#end.guestGone;

  *#upThread(): Blocking {
    const net = this.#net, up = this.#up, end = this.#end;
    const g: GuestSocket = typeof this.guest === "function"
      ? yield* this.guest()
      : { fp: this.guest, refused: false };
    this.#fp = g.fp;
    if (g.refused) {
      end.guestGone = true;
      this.#closeHost();
      yield* this.#threadDone();
      return;
    }
    const fp = g.fp;
    this.#threads++;
    this.env.k.threadCreate(`${this.name}:down`, () => this.#downThread());
    this.#readHost();
    for (;;) {
      yield* this.#waitFor(up.cv, this.#upReady);
      if (end.guestGone) break;
      const chunk = up.chunk;
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
        up.chunk = null;
        // The buffer is free again; a full read says the host sends more than it holds.
        if (chunk.length === up.buf.length && up.buf.length < RELAY_CHUNK) {
          up.buf = new Uint8Array(RELAY_CHUNK);
        }
        this.#readHost();
        continue;
      }
      if (end.hostErr) {
        yield* this.#abortGuest();
        break;
      }
      if (up.eof) {
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

  *#downThread(): Blocking {
    const net = this.#net, fp = this.#fp!, down = this.#down, end = this.#end;
    // Two buffers of (up to) half a chunk: the thread reads the socket into one while the
    // other is being written to the host, and reuses a buffer only after its write
    // completed. Each starts small and is replaced by a half-chunk one when a read fills
    // it (the write under way keeps the old one until it is done).
    const half = RELAY_CHUNK / 2;
    const first = Math.min(RELAY_FIRST_CHUNK, half);
    const bufs = [new Uint8Array(first), new Uint8Array(first)];
    for (let which = 0;; which ^= 1) {
      // Writes complete in order: with at most one in flight, this buffer's is done.
      if (down.inFlight > 1 && !end.hostErr) {
        yield* this.#waitFor(down.cv, () => down.inFlight <= 1 || end.hostErr);
      }
      if (end.hostErr) {
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
      if (end.aborted || end.hostErr) break;
      if (n === 0) {
        yield* this.#drainDown();
        if (!end.hostClosed && !end.hostErr) this.conn.closeWrite();
        break;
      }
      // No copy: this buffer is read into again only after its host write completed.
      this.#hold(n);
      down.held += n;
      down.inFlight++;
      this.conn.write(buf.subarray(0, n), this.#written);
      if (n === buf.length && buf.length < half) bufs[which] = new Uint8Array(half);
    }
    yield* this.#drainDown();
    yield* this.#threadDone();
  }

  /** Waits until every chunk handed to the host is written (or the host failed). */
  *#drainDown(): Blocking {
    const down = this.#down, end = this.#end;
    if (down.inFlight > 0 && !end.hostErr) {
      yield* this.#waitFor(down.cv, () => down.inFlight === 0 || end.hostErr);
    }
  }

  /** The guest reset the connection: close the host side at once. */
  #guestReset(): void {
    const end = this.#end;
    if (end.guestGone) return;
    end.guestGone = true;
    if (!end.aborted) this.env.stats.guestResets++;
    this.#closeHost(); // a host read under way fails and reads no more
    this.#wakeBoth();
  }

  /** The host reset: the gateway socket will close with a RST; unblock the down thread. */
  *#abortGuest(): Blocking {
    if (this.#end.aborted) return;
    this.#end.aborted = true;
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
    this.env.host.post(() => {
      this.#end.hostErr = true;
      this.#wakeBoth();
    });
    this.#closeHost();
  }

  *#threadDone(): Blocking {
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
    if (this.#end.hostClosed) return;
    this.#end.hostClosed = true;
    this.conn.close();
  }

  /** Starts a host read into the up buffer (at the start, and each time it is free). */
  #readHost(): void {
    this.conn.read(this.#up.buf, this.#onHostRead);
  }

  /** (event loop) A host read completed: a chunk for the up thread, the FIN, or a failure. */
  readonly #onHostRead = (r: number | null | Error): void => {
    const up = this.#up;
    if (r instanceof Error) {
      if (this.#end.hostClosed) return; // the gateway closed it: nothing to report
      this.#end.hostErr = true;
      this.#wakeBoth();
      return;
    }
    if (r === null) up.eof = true;
    else {
      this.#hold(r);
      up.chunk = up.buf.subarray(0, r);
    }
    up.cv.broadcast();
  };

  /**
   * (event loop) A host write finished: its bytes are no longer held. A failed one ends
   * the host side: nothing handed over is held any more. Either way the threads wake.
   */
  readonly #written = (r: number | Error): void => {
    const down = this.#down;
    if (down.failed) return;
    if (r instanceof Error) {
      down.failed = true;
      this.#end.hostErr = true;
      this.#hold(-down.held);
      down.held = 0;
      down.inFlight = 0;
      this.#wakeBoth();
      return;
    }
    this.#hold(-r);
    down.held -= r;
    down.inFlight--;
    this.env.stats.bytesDown += r;
    down.cv.broadcast();
  };
}
