/**
 * tcp_usrreq.ts — the adapter between the socket layer and net/tcp's engine (NetBSD's
 * netinet/tcp_usrreq.c): stream sockets' protocol switch mapped onto the engine's
 * connection API, the engine's callbacks mapped onto socket wakeups, and the TcpEnv the
 * engine runs in (clock, cprng, callouts, ip_output, route MTU, memory accounting).
 *
 * Rules:
 *   - Ports and bind conflicts are the socket layer's (an InpcbTable "tcp", kept until a
 *     closed connection's control block has reached CLOSED, so TIME_WAIT holds its port
 *     against binds without SO_REUSEADDR); segment demultiplexing is the engine's. The
 *     PCB of a closed socket is freed by the engine's detach hook when its connection
 *     reaches CLOSED: event-driven, no walk over lingering connections.
 *   - The engine's errors reach the socket once, as so_error (onError); its end reaches
 *     it as soisdisconnected (onClosed); end of stream as socantrcvmore. Errors the
 *     engine's recv throws are not reported a second time.
 *   - close(2) closes the connection gracefully (the engine sends what is buffered, then
 *     a FIN), or aborts it with a RST when SO_LINGER is set with a zero time.
 *   - Established connections move from the engine's accept queue to the listening
 *     socket's (sonewconn) while it has room; accept pulls more as it takes them.
 *   - ICMP errors for a connection are soft (RFC 1122 §4.2.3.9): remembered, and reported
 *     instead of ETIMEDOUT if the connection then times out (BSD's t_softerror).
 *   - The engine is reached only through net/tcp/mod.ts; the stack reaches TCP only
 *     through `tcpsw` (in_proto.ts lists it), whose pr_input and pr_ctlinput enter
 *     ip_protox when rumpnet_netinet attaches TCP (`tcpAttach`); until then TCP
 *     segments go to raw sockets and stream sockets are EPROTONOSUPPORT.
 */
import { ENOPROTOOPT, EOPNOTSUPP, Errno, ETIMEDOUT } from "../kernel/kern/errno.ts";
import {
  IPPROTO_TCP,
  SO_KEEPALIVE,
  SO_LINGER,
  SO_RCVBUF,
  SO_SNDBUF,
  SOCK_STREAM,
  SOL_SOCKET,
  TCP_MAXSEG,
  TCP_NODELAY,
} from "../kernel/syscall/api.ts";
import { FrameSlab } from "./frame_slab.ts";
import { type Inpcb, InpcbTable, type PcbInfo, pcbInfo } from "./in_pcb.ts";
import { IP_HEADROOM, ipOutputInPlace, ipRoute } from "./ip_output.ts";
import type { IpProtoEntry } from "./ip_var.ts";
import type { NetStack } from "./netstack.ts";
import { ipProtoAttach, type Protosw } from "./protosw.ts";
import {
  type PrUsrreqs,
  socantrcvmore,
  type Socket,
  soisconnected,
  soisconnecting,
  soisdisconnected,
  sonewconn,
  soseterror,
  SS_ISDISCONNECTED,
} from "./socket.ts";
import {
  kernelTcpEnv,
  SHUT_RD,
  SHUT_WR,
  type Tcb,
  TCP_WOULDBLOCK,
  tcpAbort,
  type TcpConfig,
  type TcpConnOptions,
  tcpDisconnect,
  type TcpEnv,
  tcpListenClose,
  type TcpListener,
  tcpRecv,
  TCPS_CLOSED,
  tcpSend,
  tcpSetKeepAlive,
  tcpSetNoDelay,
  tcpSetRecvBuffer,
  tcpSetSendBuffer,
  tcpShutdown,
  TcpStack,
  type TimeWait,
} from "./tcp/mod.ts";
import { type InvokingDatagram, readIpv4, TcpRepr } from "./wire/mod.ts";

declare module "./netstack.ts" {
  interface NetStack {
    /** TCP, once rumpnet_netinet attached it (tcp_usrreq.ts); null before. */
    tcp: TcpGlue | null;
  }
}

/** TCP in the protocol switch. */
export const tcpsw: Protosw & IpProtoEntry = {
  name: "tcp",
  type: SOCK_STREAM,
  protocol: IPPROTO_TCP,
  init(stack) {
    stack.tcp = null;
  },
  input(stack, _ifp, pkt, hlen, bcast) {
    if (!bcast) stack.tcp!.input(pkt, hlen);
  },
  ctlinput: (stack, errno, inv, nextHopMtu) => stack.tcp?.ctlinput(errno, inv, nextHopMtu),
  usrreqs: (stack) => stack.tcp?.usrreqs ?? null,
};

/** Links net/tcp's engine into the stack: `stack.tcp`, ip_protox and SOCK_STREAM sockets. */
export function tcpAttach(stack: NetStack, config: Partial<TcpConfig> = {}): TcpGlue {
  const glue = new TcpGlue(stack, new TcpStack(tcpKernelEnv(stack), config));
  stack.tcp = glue;
  ipProtoAttach(stack, tcpsw);
  return glue;
}

/** The engine's environment in `stack`: the kernel's, sending through ip_output. */
function tcpKernelEnv(stack: NetStack): TcpEnv {
  const txSlab = new FrameSlab();
  return kernelTcpEnv(stack.k, {
    output(seg, src, dst) {
      // One buffer for the whole frame: the segment is emitted after room for the IPv4
      // and link headers, which are then written in front of it in place.
      const buf = txSlab.alloc(IP_HEADROOM + TcpRepr.bufferLen(seg));
      TcpRepr.emit(seg, buf.subarray(IP_HEADROOM), src, dst);
      ipOutputInPlace(stack, { src, dst, protocol: IPPROTO_TCP }, buf);
    },
    mtu(dst) {
      const r = ipRoute(stack, dst);
      return typeof r === "number" ? 576 : r.ifp.mtu;
    },
    sndBusy(dst) {
      if (!stack.ifnets.some((i) => i.sndBusy)) return false;
      const r = ipRoute(stack, dst);
      return typeof r !== "number" && r.ifp.sndBusy;
    },
  });
}

/** Per-socket state of a stream socket. */
interface TcpSock {
  pcb: Inpcb;
  conn: Tcb | null;
  listener: TcpListener | null;
  nodelay: boolean;
  /** The last ICMP error about the connection (t_softerror). */
  softError: number;
}

function ts(so: Socket): TcpSock {
  return so.pcb as TcpSock;
}

/** TCP's state in one stack: the engine, its PCBs and what links them to sockets. */
export class TcpGlue {
  /** The stream sockets' user requests. */
  readonly usrreqs: PrUsrreqs;
  readonly table: InpcbTable;
  /** Control blocks (or TIME-WAIT records) of closed sockets, kept while they linger. */
  readonly #orphans = new Map<Inpcb, Tcb | TimeWait>();
  readonly #orphanPcb = new Map<Tcb | TimeWait, Inpcb>();
  readonly #bySocketConn = new Map<Tcb, Socket>();
  /** Bumped whenever a listener starts or stops (net.inet.tcp.listengen). */
  listenGen = 0;

  constructor(stack: NetStack, readonly engine: TcpStack) {
    this.table = new InpcbTable(stack, "tcp");
    this.usrreqs = tcpUsrreqs(this);
    engine.onDetach = (c) => this.#detached(c);
    engine.onTimeWait = (c, tw) => this.#timeWait(c, tw);
    this.table.reuseForConnect = (la, lp, fa, fp) => engine.connectMayReuse(la, lp, fa, fp);
  }

  /** pr_input: a segment in datagram `pkt` whose header is `hlen` bytes. */
  input(pkt: Uint8Array, hlen: number): void {
    this.engine.inputPacket(readIpv4(pkt, 12), readIpv4(pkt, 16), pkt.subarray(hlen));
  }

  /** pr_ctlinput: an ICMP error about a connection is remembered as its soft error. */
  ctlinput(errno: number, inv: InvokingDatagram, _nextHopMtu: number): void {
    if (inv.transport.length < 4 || !errno) return;
    const t = inv.transport;
    const c = this.engine.lookup(inv.src, (t[0] << 8) | t[1], inv.dst, (t[2] << 8) | t[3]);
    const so = c && this.#bySocketConn.get(c);
    if (so) ts(so).softError = errno;
  }

  /** The engine's counters (net.inet.tcp.stats). */
  stats(): object {
    return this.engine.stats;
  }

  /** Every TCP PCB as netstat lists it, lingering connections of closed sockets too. */
  pcblist(): PcbInfo[] {
    const out: PcbInfo[] = [];
    for (const p of this.table.pcbs) {
      const orphan = this.#orphans.get(p);
      out.push(
        orphan
          ? pcbInfo("tcp", p, null, {
            type: "stream",
            state: orphan.stateName,
            recvQ: 0,
            sendQ: orphan.unsent,
          })
          : pcbInfo("tcp", p, p.so),
      );
    }
    return out;
  }

  /** Closed sockets whose connection still lingers (FIN-WAIT, TIME-WAIT, ...). */
  get orphans(): number {
    return this.#orphans.size;
  }

  /**
   * Keeps a closed socket's connection (and its PCB) until it reaches CLOSED; the
   * engine's detach hook frees the PCB then, so nothing ever scans the orphans.
   */
  orphan(p: Inpcb, c: Tcb): void {
    if (c.state === TCPS_CLOSED) {
      this.table.free(p);
      return;
    }
    this.#orphans.set(p, c);
    this.#orphanPcb.set(c, p);
  }

  /**
   * A closed socket's connection reached TIME-WAIT and became a compact record: the PCB
   * stays (it holds the address and port for bind, and netstat lists it) until the record ends.
   */
  #timeWait(c: Tcb, tw: TimeWait): void {
    const p = this.#orphanPcb.get(c);
    if (p === undefined) return;
    this.#orphanPcb.delete(c);
    this.#orphanPcb.set(tw, p);
    this.#orphans.set(p, tw);
  }

  /** The engine took `c` out of its table (tcp_close): an orphan's PCB goes with it. */
  #detached(c: Tcb | TimeWait): void {
    const p = this.#orphanPcb.get(c);
    if (p === undefined) return;
    this.#orphanPcb.delete(c);
    this.#orphans.delete(p);
    this.table.free(p);
  }

  /** The socket of `c` is closing: it hears no more of the connection. */
  unhook(c: Tcb): void {
    this.#bySocketConn.delete(c);
  }

  /** Maps connection `c`'s events onto socket `so`'s upcalls. */
  hook(so: Socket, c: Tcb): void {
    this.#bySocketConn.set(c, so);
    c.onConnected = () => soisconnected(so);
    c.onReadable = () => {
      if (c.eof) socantrcvmore(so);
      else so.wakeup();
    };
    c.onWritable = () => so.wakeup();
    c.onError = (e) => {
      const soft = ts(so).softError;
      soseterror(so, e === ETIMEDOUT && soft ? soft : e);
    };
    c.onClosed = () => {
      this.#bySocketConn.delete(c);
      if (!(so.state & SS_ISDISCONNECTED)) soisdisconnected(so);
    };
  }

  /** Moves established connections from the engine's queue to the socket's. */
  pullAccepted(so: Socket): void {
    const t = ts(so);
    const l = t.listener;
    if (!l) return;
    while (l.pending > 0) {
      const child = sonewconn(so, false);
      if (!child) return;
      const c = l.accept()!;
      const cp = ts(child).pcb;
      cp.laddr = c.laddr;
      cp.lport = c.lport;
      cp.faddr = c.faddr;
      cp.fport = c.fport;
      ts(child).conn = c;
      ts(child).nodelay = t.nodelay;
      this.hook(child, c);
      soisconnected(child);
      if (c.eof) socantrcvmore(child);
    }
  }
}

/** The engine options a connection of `so` starts with. */
function connOpts(so: Socket): TcpConnOptions {
  return {
    sendBuffer: so.snd.hiwat,
    recvBuffer: so.rcv.hiwat,
    noDelay: ts(so).nodelay,
    keepAlive: (so.options & SO_KEEPALIVE) !== 0,
  };
}

/** The stream sockets' user requests over `g`. */
function tcpUsrreqs(g: TcpGlue): PrUsrreqs {
  return {
    name: "tcp",
    type: SOCK_STREAM,
    protocol: IPPROTO_TCP,
    sendspace: 256 * 1024,
    recvspace: 256 * 1024,
    attach(so) {
      const t: TcpSock = {
        pcb: g.table.alloc(so),
        conn: null,
        listener: null,
        nodelay: false,
        softError: 0,
      };
      so.pcb = t;
    },
    detach: (so) => tcpUsrDetach(g, so),
    bind(so, a) {
      g.table.bind(ts(so).pcb, a.addr, a.port);
    },
    listen: (so, backlog) => tcpUsrListen(g, so, backlog),
    accepted(so) {
      g.pullAccepted(so);
    },
    connect: (so, a) => tcpUsrConnect(g, so, a.addr, a.port),
    send(so, data) {
      const c = ts(so).conn;
      if (!c) return 0;
      return tcpSend(c, data);
    },
    recv: tcpUsrRecv,
    readable(so) {
      return ts(so).conn?.readable ?? 0;
    },
    writable(so) {
      return ts(so).conn?.writable ?? 0;
    },
    shutdownWrite(so) {
      const c = ts(so).conn;
      if (c) tcpShutdown(c, SHUT_WR);
    },
    shutdownRead(so) {
      const c = ts(so).conn;
      if (c) tcpShutdown(c, SHUT_RD);
    },
    sockaddr(so) {
      const p = ts(so).pcb;
      return { addr: p.laddr, port: p.lport };
    },
    peeraddr(so) {
      const p = ts(so).pcb;
      return p.fport ? { addr: p.faddr, port: p.fport } : null;
    },
    setopt: tcpUsrSetopt,
    getopt: tcpUsrGetopt,
    describe: tcpUsrDescribe,
  };
}

/** PRU_DETACH: close(2) ends the connection gracefully, or aborts it with SO_LINGER 0. */
function tcpUsrDetach(g: TcpGlue, so: Socket): void {
  const t = ts(so);
  if (t.listener) {
    tcpListenClose(t.listener);
    g.listenGen++;
  }
  t.listener = null;
  t.pcb.so = null;
  const c = t.conn;
  if (c) {
    // The orphan first: the close may end the connection (its PCB is freed then) or leave
    // its TIME-WAIT to a record (the PCB passes to it).
    g.unhook(c);
    g.orphan(t.pcb, c);
    if (so.options & SO_LINGER && so.linger === 0) tcpAbort(c);
    else tcpDisconnect(c);
  } else {
    g.table.free(t.pcb);
  }
}

/** PRU_LISTEN: a listener in the engine on the socket's (bound or ephemeral) port. */
function tcpUsrListen(g: TcpGlue, so: Socket, backlog: number): void {
  const t = ts(so);
  if (t.listener) return;
  if (t.pcb.lport === 0) g.table.bind(t.pcb, t.pcb.laddr, 0);
  const l = g.engine.listen(t.pcb.laddr, t.pcb.lport, backlog, connOpts(so));
  l.onAccept = () => g.pullAccepted(so);
  t.listener = l;
  g.listenGen++;
}

/** PRU_CONNECT: an active open from the socket's PCB. */
function tcpUsrConnect(g: TcpGlue, so: Socket, addr: number, port: number): void {
  const t = ts(so);
  g.table.connect(t.pcb, addr, port);
  const c = g.engine.connect(t.pcb.laddr, t.pcb.lport, t.pcb.faddr, t.pcb.fport, connOpts(so));
  t.conn = c;
  g.hook(so, c);
  if (c.stateName === "SYN_SENT") soisconnecting(so);
}

/** PRU_RCVD: reads what the connection holds; its errors come through so_error. */
function tcpUsrRecv(so: Socket, buf: Uint8Array, peek: boolean): number {
  if (peek) throw new Errno(EOPNOTSUPP, "MSG_PEEK on a TCP socket");
  const c = ts(so).conn;
  if (!c) return 0;
  let n: number;
  try {
    n = tcpRecv(c, buf);
  } catch (e) {
    if (e instanceof Errno) return 0; // reported through so_error (onError)
    throw e;
  }
  if (n === TCP_WOULDBLOCK) return 0;
  if (n === 0 || c.eof) socantrcvmore(so);
  return n;
}

/** tcp_ctloutput (set): TCP_NODELAY, and socket options the connection follows. */
function tcpUsrSetopt(so: Socket, level: number, name: number, value: number): void {
  const t = ts(so);
  const c = t.conn;
  if (level === IPPROTO_TCP) {
    if (name === TCP_NODELAY) {
      t.nodelay = value !== 0;
      if (c) tcpSetNoDelay(c, t.nodelay);
    } else if (name !== TCP_MAXSEG) {
      throw new Errno(ENOPROTOOPT, `TCP option ${name}`);
    }
    return;
  }
  if (level !== SOL_SOCKET || !c) return;
  if (name === SO_KEEPALIVE) tcpSetKeepAlive(c, value !== 0);
  else if (name === SO_SNDBUF) tcpSetSendBuffer(c, value);
  else if (name === SO_RCVBUF) tcpSetRecvBuffer(c, value);
}

/** tcp_ctloutput (get): TCP_NODELAY and TCP_MAXSEG. */
function tcpUsrGetopt(so: Socket, level: number, name: number): number | undefined {
  if (level !== IPPROTO_TCP) return undefined;
  const t = ts(so);
  if (name === TCP_NODELAY) return t.nodelay ? 1 : 0;
  if (name === TCP_MAXSEG) return t.conn?.maxseg ?? 536;
  return undefined;
}

/** The socket's state and queues for netstat. */
function tcpUsrDescribe(so: Socket): { state: string; recvQ: number; sendQ: number } {
  const t = ts(so);
  const c = t.conn;
  return {
    state: c ? c.stateName : t.listener ? "LISTEN" : "CLOSED",
    recvQ: c ? c.readable : so.acceptq?.length ?? 0,
    sendQ: c ? c.unsent : 0,
  };
}
