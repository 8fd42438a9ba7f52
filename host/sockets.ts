/**
 * sockets.ts — host sockets: TCP listen, accept and connect, and UDP sockets, on the real
 * machine's network stack. The user-mode network's gateway (slirp/) reaches the host only
 * through these calls and the interfaces below, so it names neither Deno nor node.
 *
 * TCP is Deno's (Deno.listen, Deno.connect). Every connection, accepted or made, has
 * Nagle's algorithm off (TCP_NODELAY): a relay writes what it has when it has it, and a
 * small request must not wait for the ACK of the one before. UDP is node:dgram's
 * (Deno.listenDatagram needs --unstable-net, which the tasks and baked bundles do not
 * pass).
 *
 * Rules: promises settle and callbacks run in the host's event loop, never in a fiber; a
 * caller on the simulated side hands results on through HostWork (sched/host_work.ts).
 * `close` is idempotent and never throws. Bytes given to a callback are its own (a fresh
 * copy). No policy lives here: which addresses may be used is the caller's rule.
 */
import dgram from "node:dgram";

/** A host socket address: an IPv4 address in dotted form and a port. */
export interface HostAddr {
  hostname: string;
  port: number;
}

/** A connected host TCP socket: a byte stream each way. */
export interface HostTcpConn {
  /** Reads into `buf`: the bytes read, or null at the peer's FIN; rejects on a reset or close. */
  read(buf: Uint8Array): Promise<number | null>;
  /** Writes from `data`: how many bytes were taken (maybe fewer than all); rejects on failure. */
  write(data: Uint8Array): Promise<number>;
  /** Sends a FIN (shutdown(SHUT_WR)): the peer reads EOF, and reading here goes on. */
  closeWrite(): Promise<void>;
  /** Closes both directions; a read under way rejects. */
  close(): void;
}

/** A host TCP listener. */
export interface HostTcpListener {
  /** The bound address (its port is the one chosen when 0 was asked for). */
  readonly addr: HostAddr;
  /** The next connection; rejects once the listener is closed. */
  accept(): Promise<HostTcpConn>;
  close(): void;
}

/**
 * Listens on `at` (port 0: the host picks a free port); throws if it cannot bind.
 * `backlog`: the host's accept queue (Deno's default 511; Linux caps it at
 * net.core.somaxconn).
 */
export function listenTcp(at: HostAddr, backlog?: number): HostTcpListener {
  const l = Deno.listen({ hostname: at.hostname, port: at.port, tcpBacklog: backlog });
  const addr: HostAddr = { hostname: l.addr.hostname, port: l.addr.port };
  let closed = false;
  return {
    addr,
    async accept() {
      const c = await l.accept();
      try {
        c.setNoDelay(true);
      } catch { /* reset already: the first read says so */ }
      return streamConn(c);
    },
    close() {
      if (closed) return;
      closed = true;
      try {
        l.close();
      } catch { /* already closed */ }
    },
  };
}

/** Connects to `to`; rejects when refused or unreachable. */
export async function connectTcp(to: HostAddr): Promise<HostTcpConn> {
  const c = await Deno.connect({ hostname: to.hostname, port: to.port });
  try {
    c.setNoDelay(true);
  } catch (e) {
    c.close();
    throw e;
  }
  return streamConn(c);
}

/** A Deno stream connection (TCP with Nagle already off, or unix) as a HostTcpConn. */
export function streamConn(c: Deno.TcpConn | Deno.UnixConn): HostTcpConn {
  let closed = false;
  return {
    read: (buf) => c.read(buf),
    write: (data) => c.write(data),
    closeWrite: () => c.closeWrite(),
    close() {
      if (closed) return;
      closed = true;
      try {
        c.close();
      } catch { /* already closed */ }
    },
  };
}

/** What a host UDP socket reports, in the event loop. */
export interface HostUdpEvents {
  /** The socket is bound: sends go out from now on. */
  bound(): void;
  /** A datagram from `from` (the bytes are the callback's own). */
  message(data: Uint8Array, from: HostAddr): void;
  /** The socket reported an error (it stays open). */
  error(): void;
}

/** A host UDP socket. */
export interface HostUdpSocket {
  /** Sends one datagram to `to`; throws when it cannot (the socket is closed). */
  send(data: Uint8Array, to: HostAddr): void;
  close(): void;
}

/** Opens a UDP socket and binds it to `at` (port 0: an ephemeral port); `on.bound` follows. */
export function openUdp(at: HostAddr, on: HostUdpEvents): HostUdpSocket {
  const sock = dgram.createSocket("udp4");
  let closed = false;
  sock.on("error", () => on.error());
  sock.on("message", (msg: Uint8Array, rinfo: { address: string; port: number }) => {
    on.message(Uint8Array.from(msg), { hostname: rinfo.address, port: rinfo.port });
  });
  sock.bind({ address: at.hostname, port: at.port }, () => on.bound());
  return {
    send(data, to) {
      sock.send(data, to.port, to.hostname);
    },
    close() {
      if (closed) return;
      closed = true;
      try {
        sock.close();
      } catch { /* already closed */ }
    },
  };
}
