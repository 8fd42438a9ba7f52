/**
 * host_net.ts — the host's network as the user netdev's gateway (slirp/) sees it: TCP
 * listeners, connections and UDP sockets whose every completion (a connection accepted, a
 * read, a write done, a datagram) arrives as one call run through the machine's HostWork,
 * in the event loop's context, at a place in the host-work order a recording can name.
 *
 * Why callbacks and not promises: a promise's continuation runs a varying number of
 * microtask turns after the host delivered, so where it lands among the machine's own
 * steps depends on the host; a call posted to HostWork lands at one place (a pass and an
 * index, sched/host_work.ts), which `--record` logs and `--replay` reproduces. The gateway
 * reaches the host only through `HostNet`; cli/record_net.ts has the recording and
 * replaying implementations, `hostNet` below is the live one over host/sockets.ts.
 *
 * Rules: a callback runs exactly once per call that takes one (`onAccept` once per
 * connection), always through `post`, never synchronously inside the call; a read or write
 * under way when its connection closes completes with an Error. Bytes handed to a callback
 * are its own. No policy here: which addresses may be used is the caller's rule.
 */
import {
  connectTcp,
  type HostAddr,
  type HostTcpConn,
  type HostUdpEvents,
  type HostUdpSocket,
  listenTcp,
  openUdp,
} from "./sockets.ts";

export type { HostAddr, HostUdpEvents, HostUdpSocket } from "./sockets.ts";

/** Where completions run: the machine's HostWork (sched/host_work.ts). */
export interface HostPost {
  post(fn: () => void): void;
}

/** A connected host TCP socket whose completions are posted. */
export interface HostStream {
  /** Reads into `buf`; `done` gets the count, null at the peer's FIN, or an Error. */
  read(buf: Uint8Array, done: (r: number | null | Error) => void): void;
  /** Writes all of `data`; `done` gets its length, or an Error. Writes complete in order. */
  write(data: Uint8Array, done: (r: number | Error) => void): void;
  /** Sends a FIN once the writes before it are done; reading goes on. */
  closeWrite(): void;
  /** Closes both directions; what is under way completes with an Error. Idempotent. */
  close(): void;
}

/** A host TCP listener; `onAccept` (posted) gets each connection. */
export interface HostStreamListener {
  readonly addr: HostAddr;
  close(): void;
}

/** The host's network for the gateway. */
export interface HostNet {
  /** Listens on `at` (throws if it cannot bind); each accepted connection goes to `onAccept`. */
  listen(at: HostAddr, backlog: number, onAccept: (c: HostStream) => void): HostStreamListener;
  /** Connects to `to`; `done` gets the connection, or an Error when refused or unreachable. */
  connect(to: HostAddr, done: (r: HostStream | Error) => void): void;
  /** A UDP socket bound to `at`; its events (bound, message, error) are posted. */
  udp(at: HostAddr, on: HostUdpEvents): HostUdpSocket;
}

/** The live host network (host/sockets.ts), its completions posted to `work`. */
export function hostNet(work: HostPost): HostNet {
  return {
    listen(at, backlog, onAccept) {
      const l = listenTcp(at, backlog);
      void (async () => {
        for (;;) {
          let c: HostTcpConn;
          try {
            c = await l.accept();
          } catch {
            return; // the listener was closed
          }
          const s = postedStream(c, work);
          work.post(() => onAccept(s));
        }
      })();
      return { addr: l.addr, close: () => l.close() };
    },
    connect(to, done) {
      connectTcp(to).then(
        (c) => work.post(() => done(postedStream(c, work))),
        (e) => work.post(() => done(asError(e))),
      );
    },
    udp(at, on) {
      return openUdp(at, {
        bound: () => work.post(() => on.bound()),
        message: (data, from) => work.post(() => on.message(data, from)),
        error: () => work.post(() => on.error()),
      });
    },
  };
}

function asError(e: unknown): Error {
  return e instanceof Error ? e : new Error(String(e));
}

/**
 * A host connection as a HostStream. Writes run one at a time, in order; the first starts
 * when the machine next waits for the host (a microtask runs only then), so the responses
 * of one busy stretch reach the host together.
 */
function postedStream(c: HostTcpConn, work: HostPost): HostStream {
  const writes: { data: Uint8Array; done: (r: number | Error) => void }[] = [];
  let writing = false, finAfterWrites = false, closed = false;
  const pump = async () => {
    while (writes.length > 0) {
      const w = writes.shift()!;
      let r: number | Error = w.data.length;
      try {
        for (let off = 0; off < w.data.length;) off += await c.write(w.data.subarray(off));
      } catch (e) {
        r = asError(e);
      }
      work.post(() => w.done(r));
    }
    writing = false;
    if (finAfterWrites && !closed) c.closeWrite().catch(() => {});
  };
  return {
    read(buf, done) {
      c.read(buf).then(
        (n) => work.post(() => done(n)),
        (e) => work.post(() => done(asError(e))),
      );
    },
    write(data, done) {
      writes.push({ data, done });
      if (writing) return;
      writing = true;
      queueMicrotask(() => void pump());
    },
    closeWrite() {
      if (writing) finAfterWrites = true;
      else c.closeWrite().catch(() => {});
    },
    close() {
      closed = true;
      c.close();
    },
  };
}
