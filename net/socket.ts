/**
 * socket.ts — the socket layer (NetBSD's kern/uipc_socket.c and uipc_socket2.c): socket
 * objects over a protocol switch, the blocking and non-blocking semantics of connect,
 * accept, send and receive, socket options, shutdown and close, and poll.
 *
 * Rules:
 *   - A socket's protocol is reached only through its `PrUsrreqs` (dgram → UDP, raw → ICMP
 *     or another IP protocol, stream → TCP through tcp_usrreq.ts). Protocols report back
 *     through the upcalls below (soisconnected, socantrcvmore, soseterror, sowakeup ...),
 *     which never block: they run from packet input.
 *   - Every state change wakes the socket: its condition variable is broadcast and its
 *     SelInfo notified (poll). A waiter records the socket's wakeup generation before it
 *     looks at the state and sleeps only if no wakeup came since, under softnet_lock, so
 *     no wakeup is lost even when taking the lock has to wait.
 *   - Non-blocking (O_NONBLOCK or MSG_DONTWAIT) calls never wait: EAGAIN; a non-blocking
 *     connect returns EINPROGRESS and completes later, seen as POLLOUT with SO_ERROR.
 *   - SO_ERROR is read-and-clear; a pending error is returned by the next send or, when
 *     nothing is queued, receive (as NetBSD's sosend/soreceive do). There is no SIGPIPE:
 *     writing after shutdown or reset is EPIPE.
 */
import type { Blocking } from "../kernel/hypercall/rumpuser.ts";
import type { KCondvar } from "../kernel/kern/sync.ts";
import {
  EAGAIN,
  EALREADY,
  EDESTADDRREQ,
  EINPROGRESS,
  EINVAL,
  EISCONN,
  EMSGSIZE,
  ENOBUFS,
  ENOPROTOOPT,
  ENOTCONN,
  EOPNOTSUPP,
  EPIPE,
  Errno,
} from "../kernel/kern/errno.ts";
import {
  IP_TTL,
  IPPROTO_IP,
  IPPROTO_TCP,
  LINGER_OFF,
  MSG_DONTWAIT,
  MSG_PEEK,
  POLLERR,
  POLLHUP,
  POLLIN,
  POLLOUT,
  POLLRDNORM,
  SHUT_RD,
  SHUT_RDWR,
  SHUT_WR,
  SO_ACCEPTCONN,
  SO_BROADCAST,
  SO_DEBUG,
  SO_ERROR,
  SO_KEEPALIVE,
  SO_LINGER,
  SO_RCVBUF,
  SO_REUSEADDR,
  SO_REUSEPORT,
  SO_SNDBUF,
  SO_TYPE,
  SOCK_DGRAM,
  SOCK_RAW,
  SOCK_STREAM,
  SOL_SOCKET,
} from "../kernel/syscall/api.ts";
import { type PollWaiter, SelInfo } from "../kernel/syscall/file.ts";
import type {} from "./ip_var.ts"; // NetStack.ip
import type { NetStack } from "./netstack.ts";
import { SB_MAX, type SockAddr, Sockbuf } from "./sockbuf.ts";

export type { SockAddr } from "./sockbuf.ts";

/** Socket states (sys/socketvar.h). */
export const SS_ISCONNECTED = 0x002;
export const SS_ISCONNECTING = 0x004;
export const SS_ISDISCONNECTING = 0x008;
export const SS_CANTSENDMORE = 0x010;
export const SS_CANTRCVMORE = 0x020;
export const SS_ISDISCONNECTED = 0x800;

/** What a protocol does for its sockets (struct pr_usrreqs; protosw.ts finds them). */
export interface PrUsrreqs {
  readonly name: string;
  readonly type: number;
  readonly protocol: number;
  /** Default SO_SNDBUF and SO_RCVBUF. */
  readonly sendspace: number;
  readonly recvspace: number;
  attach(so: Socket): void;
  /** The socket is closed: release the protocol's state (it may linger, e.g. TIME_WAIT). */
  detach(so: Socket): void;
  bind(so: Socket, a: SockAddr): void;
  /** Datagram: set the peer. Stream: start connecting (soisconnecting). */
  connect(so: Socket, a: SockAddr): void;
  listen(so: Socket, backlog: number): void;
  /** accept took a connection from the listener's queue (room for more). */
  accepted?(so: Socket): void;
  /**
   * Datagram: sends all of `data` or throws. Stream: takes what fits and returns the
   * count (0 when full).
   */
  send(so: Socket, data: Uint8Array, to: SockAddr | null): number;
  /** Stream protocols that keep the received bytes themselves. */
  recv?(so: Socket, buf: Uint8Array, peek: boolean): number;
  /** Bytes ready to read (stream protocols with `recv`). */
  readable?(so: Socket): number;
  /** Room to send (stream). */
  writable?(so: Socket): number;
  /** The socket layer has set CANTSENDMORE (SHUT_WR): send FIN. */
  shutdownWrite(so: Socket): void;
  /** The socket layer has set CANTRCVMORE (SHUT_RD): discard input. */
  shutdownRead?(so: Socket): void;
  sockaddr(so: Socket): SockAddr;
  peeraddr(so: Socket): SockAddr | null;
  /** Told of option changes after the socket layer applied them. */
  setopt?(so: Socket, level: number, name: number, value: number): void;
  /** Protocol-level options (IPPROTO_TCP); undefined: not an option of this protocol. */
  getopt?(so: Socket, level: number, name: number): number | undefined;
  /** For netstat: a state name and the queue lengths. */
  describe?(so: Socket): { state: string; recvQ: number; sendQ: number };
}

let nextSocketId = 1;

export class Socket {
  readonly id = nextSocketId++;
  state = 0;
  /** SO_* flags set with setsockopt. */
  options = 0;
  /** so_error. */
  error = 0;
  linger = 0;
  /** IP_TTL (0: the default). */
  ipttl = 0;
  readonly rcv: Sockbuf;
  readonly snd: Sockbuf;
  /** The protocol's control block. */
  pcb: unknown = null;
  /** A listening socket's completed connections (so_q) and its limit. */
  acceptq: Socket[] | null = null;
  /** Connections still handshaking on a listener (so_q0). */
  acceptq0: Socket[] = [];
  qlimit = 0;
  /** The listener this socket waits on, before accept. */
  head: Socket | null = null;
  readonly sel = new SelInfo();
  readonly cv: KCondvar;
  /** Wakeup generation: bumped by every wakeup. */
  gen = 0;
  closed = false;

  /** `pr`: the protocol's user requests (so_proto's pr_usrreqs). */
  constructor(readonly stack: NetStack, readonly pr: PrUsrreqs) {
    this.rcv = new Sockbuf(pr.recvspace);
    this.snd = new Sockbuf(pr.sendspace);
    this.cv = stack.k.cv("socket");
    stack.sockets++;
  }

  get type(): number {
    return this.pr.type;
  }

  isConnected(): boolean {
    return (this.state & SS_ISCONNECTED) !== 0;
  }

  /** sowakeup: wakes sleepers and pollers. */
  wakeup(): void {
    this.gen++;
    this.cv.broadcast();
    this.sel.notify();
  }
}

// --- upcalls from protocols (never block) ---

export function soisconnecting(so: Socket): void {
  so.state = (so.state & ~(SS_ISCONNECTED | SS_ISDISCONNECTING)) | SS_ISCONNECTING;
  so.wakeup();
}

/** The connection is up; a listener's child moves to the accept queue. */
export function soisconnected(so: Socket): void {
  so.state = (so.state & ~(SS_ISCONNECTING | SS_ISDISCONNECTING)) | SS_ISCONNECTED;
  const head = so.head;
  if (head && head.acceptq) {
    const i = head.acceptq0.indexOf(so);
    if (i >= 0) {
      head.acceptq0.splice(i, 1);
      head.acceptq.push(so);
      head.wakeup();
    }
  }
  so.wakeup();
}

export function soisdisconnected(so: Socket): void {
  so.state = (so.state & ~(SS_ISCONNECTING | SS_ISCONNECTED | SS_ISDISCONNECTING)) |
    SS_ISDISCONNECTED | SS_CANTRCVMORE | SS_CANTSENDMORE;
  dropFromHead(so);
  so.wakeup();
}

/** The peer will send no more (FIN received). */
export function socantrcvmore(so: Socket): void {
  so.state |= SS_CANTRCVMORE;
  so.wakeup();
}

/** Records an asynchronous error (ICMP, reset, timeout) and wakes the socket. */
export function soseterror(so: Socket, errno: number): void {
  so.error = errno;
  so.wakeup();
}

/**
 * sonewconn: a child socket for a connection arriving on listener `head`, queued as
 * incomplete (or complete when `connected`); null when the listen queue is full.
 */
export function sonewconn(head: Socket, connected: boolean): Socket | null {
  if (!head.acceptq || head.closed) return null;
  if (head.acceptq.length + head.acceptq0.length >= head.qlimit) return null;
  const so = new Socket(head.stack, head.pr);
  so.options = head.options & ~SO_ACCEPTCONN;
  so.linger = head.linger;
  so.rcv.hiwat = head.rcv.hiwat;
  so.snd.hiwat = head.snd.hiwat;
  so.head = head;
  head.pr.attach(so);
  head.acceptq0.push(so);
  if (connected) soisconnected(so);
  return so;
}

function dropFromHead(so: Socket): void {
  const head = so.head;
  if (!head) return;
  const i = head.acceptq0.indexOf(so);
  if (i >= 0) head.acceptq0.splice(i, 1);
}

// --- the calls (uipc_socket.c) ---

/** socreate. */
export function socreate(stack: NetStack, pr: PrUsrreqs): Socket {
  const so = new Socket(stack, pr);
  pr.attach(so);
  return so;
}

/** Sleeps until the socket is woken, unless it was since generation `gen` (sbwait). */
export function* sowait(so: Socket, gen: number): Blocking {
  const lock = so.stack.lock;
  yield* lock.enter();
  try {
    if (so.gen === gen) yield* so.cv.wait(lock);
  } finally {
    lock.exit();
  }
}

function takeError(so: Socket): number {
  const e = so.error;
  so.error = 0;
  return e;
}

export function sobind(so: Socket, a: SockAddr): void {
  so.pr.bind(so, a);
}

export function solisten(so: Socket, backlog: number): void {
  if (so.type !== SOCK_STREAM) throw new Errno(EOPNOTSUPP, "listen on a non-stream socket");
  if (so.state & (SS_ISCONNECTED | SS_ISCONNECTING | SS_ISDISCONNECTING)) {
    throw new Errno(EINVAL, "listen on a connected socket");
  }
  // Backlog clamped to somaxconn and at least 1 (a 0 backlog still takes one).
  const qlimit = Math.min(Math.max(backlog | 0, 1), SOMAXCONN);
  so.pr.listen(so, qlimit);
  so.acceptq ??= [];
  so.qlimit = qlimit;
  so.options |= SO_ACCEPTCONN;
}

/** Listen backlog limit (kern.somaxconn). */
export const SOMAXCONN = 128;

/** soaccept + the wait of sys_accept: the next completed connection. */
export function* soaccept(so: Socket, nbio: boolean): Blocking<Socket> {
  if (so.type !== SOCK_STREAM) throw new Errno(EOPNOTSUPP, "accept on a datagram socket");
  if (!so.acceptq) throw new Errno(EINVAL, "accept on a socket that is not listening");
  for (;;) {
    const gen = so.gen;
    if (so.error) throw new Errno(takeError(so));
    const child = so.acceptq.shift();
    if (child) {
      child.head = null;
      so.pr.accepted?.(so);
      return child;
    }
    if (so.closed) throw new Errno(EINVAL, "socket closed");
    if (nbio) throw new Errno(EAGAIN, "no connection is waiting");
    yield* sowait(so, gen);
  }
}

/** soconnect + the wait of sys_connect. */
export function* soconnect(so: Socket, a: SockAddr, nbio: boolean): Blocking {
  if (so.options & SO_ACCEPTCONN) throw new Errno(EOPNOTSUPP, "connect on a listening socket");
  if (so.type === SOCK_STREAM) {
    if (so.state & SS_ISCONNECTED) throw new Errno(EISCONN);
    if (so.state & SS_ISCONNECTING) throw new Errno(EALREADY);
    if (so.state & SS_ISDISCONNECTED) throw new Errno(EINVAL, "socket was connected before");
  }
  so.error = 0;
  so.pr.connect(so, a);
  if (so.type !== SOCK_STREAM) return;
  if (nbio && (so.state & SS_ISCONNECTING)) throw new Errno(EINPROGRESS);
  for (;;) {
    const gen = so.gen;
    if (!(so.state & SS_ISCONNECTING)) break;
    yield* sowait(so, gen);
  }
  const e = takeError(so);
  if (e) throw new Errno(e);
  if (!(so.state & SS_ISCONNECTED)) throw new Errno(ENOTCONN);
}

/** sosend: returns the bytes sent. */
export function* sosend(
  so: Socket,
  data: Uint8Array,
  to: SockAddr | null,
  flags: number,
  nbio: boolean,
): Blocking<number> {
  nbio ||= (flags & MSG_DONTWAIT) !== 0;
  if (so.type !== SOCK_STREAM) {
    if (so.state & SS_CANTSENDMORE) throw new Errno(EPIPE);
    if (so.error) throw new Errno(takeError(so));
    if (so.isConnected() && to) throw new Errno(EISCONN);
    if (!so.isConnected() && !to) throw new Errno(EDESTADDRREQ);
    if (data.length > so.snd.hiwat) {
      throw new Errno(EMSGSIZE, `a ${data.length}-byte datagram exceeds SO_SNDBUF`);
    }
    return so.pr.send(so, data, to);
  }
  let sent = 0;
  for (;;) {
    const gen = so.gen;
    if (so.state & SS_CANTSENDMORE) {
      if (sent) return sent;
      const e = takeError(so);
      throw new Errno(e || EPIPE);
    }
    if (so.error) {
      if (sent) return sent;
      throw new Errno(takeError(so));
    }
    if (!so.isConnected()) {
      if ((so.state & SS_ISCONNECTING) && nbio) throw new Errno(EAGAIN);
      if (!(so.state & SS_ISCONNECTING)) throw new Errno(ENOTCONN);
    } else {
      sent += so.pr.send(so, data.subarray(sent), null);
      if (sent === data.length) return sent;
      if (nbio) {
        if (sent) return sent;
        throw new Errno(EAGAIN);
      }
    }
    yield* sowait(so, gen);
  }
}

/** soreceive: bytes read and where from (the peer for streams). */
export function* soreceive(
  so: Socket,
  buf: Uint8Array,
  flags: number,
  nbio: boolean,
): Blocking<{ n: number; from: SockAddr }> {
  nbio ||= (flags & MSG_DONTWAIT) !== 0;
  const peek = (flags & MSG_PEEK) !== 0;
  for (;;) {
    const gen = so.gen;
    if (so.type !== SOCK_STREAM) {
      const r = so.rcv.readRecord(buf, peek);
      if (r) return r;
    } else if (buf.length === 0) {
      return { n: 0, from: peerOf(so) };
    } else {
      const n = so.pr.recv ? so.pr.recv(so, buf, peek) : so.rcv.read(buf, peek);
      if (n > 0) return { n, from: peerOf(so) };
    }
    if (so.error) throw new Errno(takeError(so));
    if (so.state & SS_CANTRCVMORE) return { n: 0, from: peerOf(so) };
    if (
      so.type === SOCK_STREAM && !(so.state & (SS_ISCONNECTED | SS_ISCONNECTING))
    ) throw new Errno(ENOTCONN);
    if (nbio) throw new Errno(EAGAIN);
    yield* sowait(so, gen);
  }
}

function peerOf(so: Socket): SockAddr {
  return so.pr.peeraddr(so) ?? { addr: 0, port: 0 };
}

/** soshutdown. */
export function soshutdown(so: Socket, how: number): void {
  if (how !== SHUT_RD && how !== SHUT_WR && how !== SHUT_RDWR) {
    throw new Errno(EINVAL, `bad shutdown how ${how}`);
  }
  if (!(so.state & (SS_ISCONNECTED | SS_ISCONNECTING | SS_ISDISCONNECTING)) && !so.acceptq) {
    throw new Errno(ENOTCONN);
  }
  if (how !== SHUT_WR) {
    so.state |= SS_CANTRCVMORE;
    so.rcv.flush();
    so.pr.shutdownRead?.(so);
  }
  if (how !== SHUT_RD && !(so.state & SS_CANTSENDMORE)) {
    so.state |= SS_CANTSENDMORE;
    so.pr.shutdownWrite(so);
  }
  so.wakeup();
}

/** soclose: the last descriptor went away. */
export function soclose(so: Socket): void {
  if (so.closed) return;
  so.closed = true;
  so.stack.sockets--;
  if (so.acceptq) {
    // Connections nobody accepted are dropped (soabort).
    for (const c of [...so.acceptq0, ...so.acceptq]) {
      c.head = null;
      soclose(c);
    }
    so.acceptq = [];
    so.acceptq0 = [];
  }
  so.pr.detach(so);
  so.rcv.flush();
  so.wakeup();
}

/** sopoll: ready events among `events`; records `w` when none are. */
export function sopoll(so: Socket, events: number, w: PollWaiter | null): number {
  let r = 0;
  const rd = events & (POLLIN | POLLRDNORM);
  if (rd && soreadable(so)) r |= rd;
  if (events & POLLOUT && sowriteable(so)) r |= POLLOUT;
  if (so.error) r |= POLLERR;
  // POLLHUP once the connection is gone both ways (as Linux reports it): a peer's FIN
  // alone is a readable EOF, not a hangup, so a poller still writing is not woken forever.
  const shut = SS_CANTRCVMORE | SS_CANTSENDMORE;
  if (
    so.type === SOCK_STREAM && (so.state & shut) === shut && !(so.options & SO_ACCEPTCONN) &&
    pendingBytes(so) === 0
  ) r |= POLLHUP;
  if (r === 0 && w) so.sel.record(w);
  return r;
}

/**
 * kevent's `data` for a socket: connections waiting to be accepted (a listener), bytes to
 * read, or (`write`) room in the send buffer.
 */
export function soready(so: Socket, write: boolean): number {
  if (write) return so.acceptq ? 0 : so.snd.space();
  if (so.acceptq) return so.acceptq.length;
  return pendingBytes(so);
}

function pendingBytes(so: Socket): number {
  if (so.type === SOCK_STREAM && so.pr.readable) return so.pr.readable(so);
  return so.rcv.cc + so.rcv.records;
}

/** soreadable: data, EOF, an error or (listener) a connection to accept. */
export function soreadable(so: Socket): boolean {
  if (so.acceptq) return so.acceptq.length > 0 || so.error !== 0;
  return pendingBytes(so) > 0 || (so.state & SS_CANTRCVMORE) !== 0 || so.error !== 0;
}

/** sowritable: room to send on a socket that may send, or an error to collect. */
export function sowriteable(so: Socket): boolean {
  if (so.state & SS_CANTSENDMORE || so.error) return true;
  if (so.acceptq) return false;
  if (so.type !== SOCK_STREAM) return true;
  if (!so.isConnected()) return false;
  return (so.pr.writable ? so.pr.writable(so) : so.snd.space()) > 0;
}

// --- options (sosetopt / sogetopt) ---

const BOOL_OPTS = [SO_DEBUG, SO_REUSEADDR, SO_REUSEPORT, SO_KEEPALIVE, SO_BROADCAST];

export function sosetopt(so: Socket, level: number, name: number, value: number): void {
  if (level === SOL_SOCKET) {
    if (BOOL_OPTS.includes(name)) {
      so.options = value ? so.options | name : so.options & ~name;
    } else if (name === SO_LINGER) {
      // struct linger in one number (api.ts LINGER_OFF).
      if (value === LINGER_OFF) so.options &= ~SO_LINGER;
      else if (Number.isInteger(value) && value >= 0) {
        so.options |= SO_LINGER;
        so.linger = value;
      } else throw new Errno(EINVAL, `linger time ${value}`);
    } else if (name === SO_SNDBUF || name === SO_RCVBUF) {
      if (!(value > 0)) throw new Errno(EINVAL, "buffer size must be positive");
      if (value > SB_MAX) throw new Errno(ENOBUFS, `buffer size above ${SB_MAX}`);
      (name === SO_SNDBUF ? so.snd : so.rcv).hiwat = value | 0;
    } else {
      throw new Errno(ENOPROTOOPT, `socket option ${name}`);
    }
    so.pr.setopt?.(so, level, name, value);
    return;
  }
  if (level === IPPROTO_IP && name === IP_TTL) {
    if (value < 0 || value > 255) throw new Errno(EINVAL, "ttl out of range");
    so.ipttl = value | 0;
    return;
  }
  if (level === IPPROTO_TCP && so.type === SOCK_STREAM && so.pr.setopt) {
    so.pr.setopt(so, level, name, value);
    return;
  }
  throw new Errno(ENOPROTOOPT, `option ${name} at level ${level}`);
}

export function sogetopt(so: Socket, level: number, name: number): number {
  if (level === SOL_SOCKET) {
    if (BOOL_OPTS.includes(name) || name === SO_ACCEPTCONN) return so.options & name ? 1 : 0;
    switch (name) {
      case SO_LINGER:
        return so.options & SO_LINGER ? so.linger : LINGER_OFF;
      case SO_SNDBUF:
        return so.snd.hiwat;
      case SO_RCVBUF:
        return so.rcv.hiwat;
      case SO_ERROR:
        return takeError(so);
      case SO_TYPE:
        return so.type;
    }
    throw new Errno(ENOPROTOOPT, `socket option ${name}`);
  }
  if (level === IPPROTO_IP && name === IP_TTL) return so.ipttl || so.stack.ip.defttl;
  if (level === IPPROTO_TCP && so.type === SOCK_STREAM) {
    const v = so.pr.getopt?.(so, level, name);
    if (v !== undefined) return v;
  }
  throw new Errno(ENOPROTOOPT, `option ${name} at level ${level}`);
}

/** A socket type's name for listings. */
export function typeName(type: number): string {
  return type === SOCK_STREAM
    ? "stream"
    : type === SOCK_DGRAM
    ? "dgram"
    : type === SOCK_RAW
    ? "raw"
    : `${type}`;
}
