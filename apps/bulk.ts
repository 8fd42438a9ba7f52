/**
 * bulk.ts — a bulk TCP transfer with a checked byte pattern, for measuring and testing
 * the stack (ttcp's idea).
 *
 *   bulk send host port bytes     connect, send `bytes` of the pattern, shut down, wait
 *                                 for the receiver to close
 *   bulk recv port                accept one connection, read to EOF, check every byte
 *
 * Both print the bytes moved, the elapsed virtual time (CLOCK_MONOTONIC) and the
 * throughput:  `bulk: received 1048576 bytes in 0.104857 s (80.000 Mbit/s)`.
 *
 * Rules: the pattern is apps/lib/pattern.ts (byte i depends on i only), so the receiver
 * needs nothing from the sender. Exit status: 0 on success; 1 on corruption (the first
 * bad offset is printed), on a short or failed transfer, or a socket error; EX_USAGE (64)
 * for a bad command line. A host name goes through the libc's resolver.
 */
import {
  AF_INET,
  type App,
  CLOCK_MONOTONIC,
  gethostbyname,
  HostError,
  SHUT_WR,
  SO_REUSEADDR,
  SOCK_STREAM,
  SOL_SOCKET,
  type Sys,
  type Wait,
} from "../kernel/syscall/api.ts";
import { intArg } from "./lib/getopt.ts";
import { checkPattern, fillPattern } from "./lib/pattern.ts";
import { eprint, EX_USAGE, fail, print } from "./lib/stdio.ts";

const USAGE = "usage: bulk send host port bytes\n       bulk recv port\n";
const BUFSIZE = 64 * 1024;

function monoNs(sys: Sys): number {
  const t = sys.clock_gettime(CLOCK_MONOTONIC);
  return t.sec * 1e9 + t.nsec;
}

/** "sent 1048576 bytes in 0.104857 s (80.000 Mbit/s)" */
export function formatTransfer(verb: string, bytes: number, ns: number): string {
  const s = ns / 1e9;
  const rate = ns > 0 ? ((bytes * 8) / s / 1e6).toFixed(3) + " Mbit/s" : "-";
  return `${verb} ${bytes} bytes in ${s.toFixed(6)} s (${rate})`;
}

function* send(sys: Sys, host: string, port: number, bytes: number): Wait<number> {
  const fd = sys.socket(AF_INET, SOCK_STREAM, 0);
  const buf = new Uint8Array(BUFSIZE);
  const t0 = monoNs(sys);
  let sent = 0;
  try {
    yield* sys.connect(fd, { addr: host, port });
    while (sent < bytes) {
      const n = Math.min(BUFSIZE, bytes - sent);
      fillPattern(buf.subarray(0, n), sent);
      let off = 0;
      while (off < n) off += yield* sys.write(fd, buf.subarray(off, n));
      sent += n;
    }
    yield* sys.shutdown(fd, SHUT_WR);
    // Wait for the receiver's close, so the time covers delivery, not just buffering.
    while ((yield* sys.read(fd, buf)) > 0) { /* the receiver sends nothing */ }
  } catch (e) {
    yield* sys.close(fd);
    return yield* fail(sys, "bulk", `send after ${sent} bytes: ${(e as Error).message}`);
  }
  yield* sys.close(fd);
  yield* print(sys, `bulk: ${formatTransfer("sent", sent, monoNs(sys) - t0)}\n`);
  return 0;
}

function* recv(sys: Sys, port: number): Wait<number> {
  const lfd = sys.socket(AF_INET, SOCK_STREAM, 0);
  sys.setsockopt(lfd, SOL_SOCKET, SO_REUSEADDR, 1);
  sys.bind(lfd, { addr: "0.0.0.0", port });
  sys.listen(lfd, 1);
  const { fd, addr } = yield* sys.accept(lfd);
  yield* sys.close(lfd);
  const buf = new Uint8Array(BUFSIZE);
  const t0 = monoNs(sys);
  let got = 0;
  try {
    for (;;) {
      const n = yield* sys.read(fd, buf);
      if (n === 0) break;
      const bad = checkPattern(buf.subarray(0, n), got);
      if (bad >= 0) {
        yield* sys.close(fd);
        return yield* fail(sys, "bulk", `corrupt data from ${addr.addr} at offset ${got + bad}`);
      }
      got += n;
    }
  } catch (e) {
    yield* sys.close(fd);
    return yield* fail(sys, "bulk", `recv after ${got} bytes: ${(e as Error).message}`);
  }
  yield* sys.close(fd);
  yield* print(sys, `bulk: ${formatTransfer("received", got, monoNs(sys) - t0)}\n`);
  return 0;
}

function* main(sys: Sys, argv: string[]): Wait<number> {
  const [mode, ...rest] = argv.slice(1);
  if (mode === "send" && rest.length === 3) {
    const port = intArg(rest[1], 1, 65535);
    const bytes = intArg(rest[2], 0, Number.MAX_SAFE_INTEGER);
    let addr: string;
    try {
      addr = (yield* gethostbyname(sys, rest[0])).addrs[0];
    } catch (e) {
      if (!(e instanceof HostError)) throw e;
      return yield* fail(sys, "bulk", `cannot resolve ${rest[0]}: ${e.message}`);
    }
    if (port !== null && bytes !== null) return yield* send(sys, addr, port, bytes);
  } else if (mode === "recv" && rest.length === 1) {
    const port = intArg(rest[0], 1, 65535);
    if (port !== null) return yield* recv(sys, port);
  }
  yield* eprint(sys, USAGE);
  return EX_USAGE;
}

export const bulk: App = {
  name: "bulk",
  main,
  summary: "bulk TCP transfer with a checked pattern",
};
export default bulk;
