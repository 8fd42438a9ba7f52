/**
 * client_apps.ts (test support for tests/apps) — small apps that act as test clients
 * through the syscall API: a raw HTTP client that sends given bytes and reads the reply,
 * and a UDP/TCP echo client. Results are handed back through a shared record.
 */
import {
  AF_INET,
  type App,
  errno,
  isErrno,
  POLLIN,
  SOCK_DGRAM,
  SOCK_STREAM,
  type Sys,
  type Wait,
} from "../../kernel/syscall/api.ts";

const enc = new TextEncoder();
const dec = new TextDecoder();

/** A connected TCP socket to addr:port. */
export function* dial(sys: Sys, addr: string, port: number): Wait<number> {
  const fd = sys.socket(AF_INET, SOCK_STREAM, 0);
  yield* sys.connect(fd, { addr, port });
  return fd;
}

export function* sendText(sys: Sys, fd: number, text: string): Wait {
  const b = enc.encode(text);
  for (let off = 0; off < b.length;) off += yield* sys.write(fd, b.subarray(off));
}

/** Reads until EOF (or an error such as ECONNRESET, returned as text after "!"). */
export function* readAll(sys: Sys, fd: number): Wait<string> {
  let s = "";
  const buf = new Uint8Array(65536);
  for (;;) {
    let n: number;
    try {
      n = yield* sys.read(fd, buf);
    } catch (e) {
      if (isErrno(e)) return s + `!${e.code}`;
      throw e;
    }
    if (n === 0) return s;
    s += dec.decode(buf.subarray(0, n), { stream: true });
  }
}

/** Reads what arrives within `ms` (poll), without waiting for EOF; "" if nothing. */
export function* readFor(sys: Sys, fd: number, ms: number): Wait<string> {
  const pfd = [{ fd, events: POLLIN, revents: 0 }];
  const n = yield* sys.poll(pfd, ms);
  if (n === 0) return "";
  const buf = new Uint8Array(65536);
  try {
    const got = yield* sys.read(fd, buf);
    return dec.decode(buf.subarray(0, got));
  } catch (e) {
    if (isErrno(e)) return `!${e.code}`;
    throw e;
  }
}

/** Reads until `text` holds `count` responses' worth (by a predicate) or EOF. */
export function* readUntil(sys: Sys, fd: number, done: (s: string) => boolean): Wait<string> {
  let s = "";
  const buf = new Uint8Array(65536);
  while (!done(s)) {
    const n = yield* sys.read(fd, buf);
    if (n === 0) break;
    s += dec.decode(buf.subarray(0, n));
  }
  return s;
}

/** An app whose main is `body`; its return value lands in `out.value`. */
export function scriptApp<T>(
  name: string,
  body: (sys: Sys, argv: string[]) => Wait<T>,
  out: { value?: T },
): App {
  return {
    name,
    *main(sys, argv) {
      out.value = yield* body(sys, argv);
      return 0;
    },
  };
}

/** Sends each message as a UDP datagram to addr:port and collects the echoes. */
export function* udpExchange(sys: Sys, addr: string, port: number, msgs: string[]): Wait<string[]> {
  const fd = sys.socket(AF_INET, SOCK_DGRAM, 0);
  const out: string[] = [];
  const buf = new Uint8Array(2048);
  for (const m of msgs) {
    yield* sys.sendto(fd, enc.encode(m), 0, { addr, port });
    const r = yield* sys.recvfrom(fd, buf, 0);
    out.push(`${r.from.addr}:${r.from.port} ${dec.decode(buf.subarray(0, r.n))}`);
  }
  yield* sys.close(fd);
  return out;
}

export { errno };
