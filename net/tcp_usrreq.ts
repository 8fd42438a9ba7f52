/**
 * tcp_usrreq.ts — the adapter between the socket layer and net/tcp's engine (NetBSD's
 * netinet/tcp_usrreq.c): stream sockets' protocol switch mapped onto the engine's
 * connection API, the engine's callbacks mapped onto socket wakeups, and the TcpEnv the
 * engine runs in (clock, cprng, callouts, ip_output, route MTU, memory accounting).
 *
 * Rules:
 *   - Ports and bind conflicts are the socket layer's (an InpcbTable "tcp", kept until a
 *     closed connection's control block has reached CLOSED, so TIME_WAIT holds its port
 *     against binds without SO_REUSEADDR); segment demultiplexing is the engine's.
 *   - The engine's errors reach the socket once, as so_error (onError); its end reaches
 *     it as soisdisconnected (onClosed); end of stream as socantrcvmore. Errors the
 *     engine's recv throws are not reported a second time.
 *   - close(2) closes the connection gracefully (the engine sends what is buffered, then
 *     a FIN), or aborts it with a RST when SO_LINGER is set with a zero time.
 *   - Established connections move from the engine's accept queue to the listening
 *     socket's (sonewconn) while it has room; accept pulls more as it takes them.
 *   - ICMP errors for a connection are soft (RFC 1122 §4.2.3.9): remembered, and reported
 *     instead of ETIMEDOUT if the connection then times out (BSD's t_softerror).
 *   - The engine is reached only through net/tcp/mod.ts.
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
import { type Inpcb, InpcbTable } from "./in_pcb.ts";
import { IP_HEADROOM, ipOutputInPlace, ipRoute } from "./ip_output.ts";
import type { NetStack } from "./netstack.ts";
import { type PcbInfo, pcbInfo } from "./netinet_init.ts";
import {
  type Protosw,
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
  type TcpConfig,
  type TcpConnOptions,
  type TcpListener,
  TcpStack,
} from "./tcp/mod.ts";
import { type InvokingDatagram, readIpv4, TcpRepr } from "./wire/mod.ts";

/** What the stack sees of TCP (NetStack.tcp). */
export interface TcpGlue {
  readonly protosw: Protosw;
  input(pkt: Uint8Array, hlen: number): void;
  ctlinput(errno: number, inv: InvokingDatagram, nextHopMtu: number): void;
  stats(): object;
  /** The engine (for tests and tools). */
  readonly engine: TcpStack;
  pcblist(): PcbInfo[];
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

/** Links net/tcp's engine into the stack: `stack.tcp` and SOCK_STREAM sockets. */
export function tcpAttach(stack: NetStack, config: Partial<TcpConfig> = {}): TcpGlue {
  const txSlab = new FrameSlab();
  const env = kernelTcpEnv(stack.k, {
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
  });
  const engine = new TcpStack(env, config);
  const table = new InpcbTable(stack, "tcp");
  /** Control blocks of closed sockets, kept while their connection lingers. */
  const orphans = new Map<Inpcb, Tcb>();
  const bySocketConn = new Map<Tcb, Socket>();

  const ts = (so: Socket) => so.pcb as TcpSock;

  function prune(): void {
    for (const [p, c] of orphans) {
      if (c.stateName === "CLOSED") {
        orphans.delete(p);
        table.free(p);
      }
    }
  }

  function hook(so: Socket, c: Tcb): void {
    bySocketConn.set(c, so);
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
      bySocketConn.delete(c);
      if (!(so.state & SS_ISDISCONNECTED)) soisdisconnected(so);
    };
  }

  function connOpts(so: Socket): TcpConnOptions {
    return {
      sendBuffer: so.snd.hiwat,
      recvBuffer: so.rcv.hiwat,
      noDelay: ts(so).nodelay,
      keepAlive: (so.options & SO_KEEPALIVE) !== 0,
    };
  }

  /** Moves established connections from the engine's queue to the socket's. */
  function pullAccepted(so: Socket): void {
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
      hook(child, c);
      soisconnected(child);
      if (c.eof) socantrcvmore(child);
    }
  }

  const protosw: Protosw = {
    name: "tcp",
    type: SOCK_STREAM,
    protocol: IPPROTO_TCP,
    sendspace: 256 * 1024,
    recvspace: 256 * 1024,
    attach(so) {
      const t: TcpSock = {
        pcb: table.alloc(so),
        conn: null,
        listener: null,
        nodelay: false,
        softError: 0,
      };
      so.pcb = t;
    },
    detach(so) {
      const t = ts(so);
      t.listener?.close();
      t.listener = null;
      t.pcb.so = null;
      const c = t.conn;
      if (c) {
        if (so.options & SO_LINGER && so.linger === 0) c.abort();
        else c.close();
        orphans.set(t.pcb, c);
        prune();
      } else {
        table.free(t.pcb);
      }
    },
    bind(so, a) {
      prune();
      table.bind(ts(so).pcb, a.addr, a.port);
    },
    listen(so, backlog) {
      const t = ts(so);
      if (t.listener) return;
      prune();
      if (t.pcb.lport === 0) table.bind(t.pcb, t.pcb.laddr, 0);
      const l = engine.listen(t.pcb.laddr, t.pcb.lport, backlog, connOpts(so));
      l.onAccept = () => pullAccepted(so);
      t.listener = l;
    },
    accepted(so) {
      pullAccepted(so);
    },
    connect(so, a) {
      const t = ts(so);
      prune();
      table.connect(t.pcb, a.addr, a.port);
      const c = engine.connect(t.pcb.laddr, t.pcb.lport, t.pcb.faddr, t.pcb.fport, connOpts(so));
      t.conn = c;
      hook(so, c);
      if (c.stateName === "SYN_SENT") soisconnecting(so);
    },
    send(so, data) {
      const c = ts(so).conn;
      if (!c) return 0;
      return c.send(data);
    },
    recv(so, buf, peek) {
      if (peek) throw new Errno(EOPNOTSUPP, "MSG_PEEK on a TCP socket");
      const c = ts(so).conn;
      if (!c) return 0;
      let n: number;
      try {
        n = c.recv(buf);
      } catch (e) {
        if (e instanceof Errno) return 0; // reported through so_error (onError)
        throw e;
      }
      if (n === TCP_WOULDBLOCK) return 0;
      if (n === 0 || c.eof) socantrcvmore(so);
      return n;
    },
    readable(so) {
      return ts(so).conn?.readable ?? 0;
    },
    writable(so) {
      return ts(so).conn?.writable ?? 0;
    },
    shutdownWrite(so) {
      ts(so).conn?.shutdown(SHUT_WR);
    },
    shutdownRead(so) {
      ts(so).conn?.shutdown(SHUT_RD);
    },
    sockaddr(so) {
      const p = ts(so).pcb;
      return { addr: p.laddr, port: p.lport };
    },
    peeraddr(so) {
      const p = ts(so).pcb;
      return p.fport ? { addr: p.faddr, port: p.fport } : null;
    },
    setopt(so, level, name, value) {
      const t = ts(so);
      const c = t.conn;
      if (level === IPPROTO_TCP) {
        if (name === TCP_NODELAY) {
          t.nodelay = value !== 0;
          if (c) c.noDelay = t.nodelay;
        } else if (name !== TCP_MAXSEG) {
          throw new Errno(ENOPROTOOPT, `TCP option ${name}`);
        }
        return;
      }
      if (level !== SOL_SOCKET || !c) return;
      if (name === SO_KEEPALIVE) c.setKeepAlive(value !== 0);
      else if (name === SO_SNDBUF) c.setSendBuffer(value);
      else if (name === SO_RCVBUF) c.setRecvBuffer(value);
    },
    getopt(so, level, name) {
      if (level !== IPPROTO_TCP) return undefined;
      const t = ts(so);
      if (name === TCP_NODELAY) return t.nodelay ? 1 : 0;
      if (name === TCP_MAXSEG) return t.conn?.maxseg ?? 536;
      return undefined;
    },
    describe(so) {
      const t = ts(so);
      const c = t.conn;
      return {
        state: c ? c.stateName : t.listener ? "LISTEN" : "CLOSED",
        recvQ: c ? c.readable : so.acceptq?.length ?? 0,
        sendQ: c ? c.unsent : 0,
      };
    },
  };

  return {
    protosw,
    input(pkt, hlen) {
      engine.inputPacket(readIpv4(pkt, 12), readIpv4(pkt, 16), pkt.subarray(hlen));
    },
    ctlinput(errno, inv) {
      if (inv.transport.length < 4 || !errno) return;
      const t = inv.transport;
      const c = engine.lookup(inv.src, (t[0] << 8) | t[1], inv.dst, (t[2] << 8) | t[3]);
      const so = c && bySocketConn.get(c);
      if (so) ts(so).softError = errno;
    },
    engine,
    stats: () => engine.stats,
    pcblist() {
      prune();
      const out: PcbInfo[] = [];
      for (const p of table.pcbs) {
        const orphan = orphans.get(p);
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
    },
  };
}
