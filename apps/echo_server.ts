/**
 * echo_server.ts — the Echo Protocol (RFC 862) over TCP or UDP.
 *
 *   echo_server [-u] [-n count] [port]        (port defaults to 7)
 *
 * TCP: one fiber, one poll(2) loop over the non-blocking listener and every client; what
 * a client sends comes back to it. UDP (-u): each datagram is sent back to its source.
 * With -n the server exits 0 after `count` TCP clients have disconnected (or `count`
 * datagrams were echoed); without it, it serves until the machine stops.
 *
 * Rules it keeps: a client's pending output is written before more of its input is read
 * (backpressure: a client that does not read stops being read, and memory stays bounded
 * at one buffer per client); at the client's EOF the rest is written and the connection
 * closed; a socket error drops only that client. Exit EX_USAGE (64) for a bad command
 * line; an error setting up the socket escapes as an Errno (status 1).
 */
import {
  AF_INET,
  type App,
  errno,
  F_SETFL,
  isErrno,
  O_NONBLOCK,
  POLLERR,
  type PollFd,
  POLLHUP,
  POLLIN,
  POLLOUT,
  SO_REUSEADDR,
  SOCK_DGRAM,
  SOCK_STREAM,
  SOL_SOCKET,
  type Sys,
  type Wait,
} from "../kernel/syscall/api.ts";
import { getopt, intArg } from "./lib/getopt.ts";
import { eprint, EX_USAGE } from "./lib/stdio.ts";

const BUFSIZE = 16 * 1024;

interface Client {
  fd: number;
  /** Bytes read and not yet echoed: out[off..len). */
  out: Uint8Array;
  off: number;
  len: number;
  eof: boolean;
}

function* tcpEcho(sys: Sys, port: number, count: number): Wait<number> {
  const lfd = sys.socket(AF_INET, SOCK_STREAM, 0);
  sys.setsockopt(lfd, SOL_SOCKET, SO_REUSEADDR, 1);
  sys.bind(lfd, { addr: "0.0.0.0", port });
  sys.listen(lfd, 16);
  sys.fcntl(lfd, F_SETFL, O_NONBLOCK);
  const clients: Client[] = [];
  let finished = 0;
  const drop = function* (c: Client): Wait {
    clients.splice(clients.indexOf(c), 1);
    finished++;
    yield* sys.close(c.fd);
  };
  while (finished < count) {
    const fds: PollFd[] = [{ fd: lfd, events: POLLIN, revents: 0 }];
    for (const c of clients) {
      fds.push({ fd: c.fd, events: c.off < c.len ? POLLOUT : POLLIN, revents: 0 });
    }
    yield* sys.poll(fds, -1);
    const ready = clients.slice();
    for (let i = 0; i < ready.length; i++) {
      const c = ready[i];
      if (!fds[i + 1].revents) continue;
      try {
        if (c.off < c.len) {
          c.off += yield* sys.write(c.fd, c.out.subarray(c.off, c.len));
        } else if (fds[i + 1].revents & (POLLIN | POLLHUP | POLLERR)) {
          const n = yield* sys.read(c.fd, c.out);
          if (n === 0) c.eof = true;
          c.off = 0;
          c.len = n;
        }
        if (c.eof && c.off >= c.len) yield* drop(c);
      } catch (e) {
        if (isErrno(e, errno.EAGAIN)) continue;
        if (!isErrno(e)) throw e;
        yield* drop(c);
      }
    }
    if (fds[0].revents & POLLIN) {
      for (;;) {
        try {
          const { fd } = yield* sys.accept(lfd);
          sys.fcntl(fd, F_SETFL, O_NONBLOCK);
          clients.push({ fd, out: new Uint8Array(BUFSIZE), off: 0, len: 0, eof: false });
        } catch (e) {
          if (isErrno(e, errno.EAGAIN) || isErrno(e, errno.EMFILE)) break;
          if (isErrno(e, errno.ECONNABORTED)) continue;
          throw e;
        }
      }
    }
  }
  yield* sys.close(lfd);
  return 0;
}

function* udpEcho(sys: Sys, port: number, count: number): Wait<number> {
  const fd = sys.socket(AF_INET, SOCK_DGRAM, 0);
  sys.bind(fd, { addr: "0.0.0.0", port });
  const buf = new Uint8Array(65536);
  for (let done = 0; done < count;) {
    const { n, from } = yield* sys.recvfrom(fd, buf, 0);
    try {
      yield* sys.sendto(fd, buf.subarray(0, n), 0, from);
      done++;
    } catch (e) {
      if (!isErrno(e)) throw e; // an unreachable peer loses its echo, nothing more
    }
  }
  yield* sys.close(fd);
  return 0;
}

function* main(sys: Sys, argv: string[]): Wait<number> {
  const g = getopt(argv.slice(1), "un:");
  const port = g.ok ? intArg(g.value.operands[0] ?? "7", 1, 65535) : null;
  const count = g.ok && g.value.opts.has("n") ? intArg(g.value.opts.get("n")!, 1, 1e9) : Infinity;
  if (!g.ok || g.value.operands.length > 1 || port === null || count === null) {
    if (!g.ok) yield* eprint(sys, `echo_server: ${g.error}\n`);
    yield* eprint(sys, "usage: echo_server [-u] [-n count] [port]\n");
    return EX_USAGE;
  }
  return g.value.opts.has("u")
    ? yield* udpEcho(sys, port, count)
    : yield* tcpEcho(sys, port, count);
}

export const echo_server: App = {
  name: "echo_server",
  main,
  summary: "echo what clients send (RFC 862), TCP or UDP (-u)",
};
export default echo_server;
