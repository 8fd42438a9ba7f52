/**
 * record_net.ts — the user network's host side under `--record` and `--replay`: a HostNet
 * (host/host_net.ts) that logs every completion the live one delivers, and one that
 * delivers the logged completions again with no host at all.
 *
 * Every completion is a host input: a connection accepted on a hostfwd listener, a NAT
 * connect answered, a read (its bytes, the FIN, or a failure), a write done, a UDP socket
 * bound, a datagram, a socket error. Each names its object by number: listeners and UDP
 * sockets in the order they were made, connections in the order they were made or
 * accepted (one count for both). The machine makes them in the same order when it runs the
 * same inputs at the same places, so the numbers agree between the two runs.
 *
 * Writes go nowhere in a replay (their lengths are checked against the log), and reads take
 * the logged bytes: the guest sees what it saw. A logged completion for an object the replay never made, or for a call it never
 * issued, means the replay diverged; it is reported, not thrown.
 *
 * Rules: the recording wrapper calls the logging sink inside the posted completion (where
 * the host-work place is defined), before the gateway sees the completion.
 */
import type {
  HostAddr,
  HostNet,
  HostStream,
  HostStreamListener,
  HostUdpEvents,
  HostUdpSocket,
} from "../host/host_net.ts";
import { decodeBase64Bytes, encodeBase64Bytes } from "./base64.ts";

/** A completion of the host network, as logged (without its place). */
export type NetInput =
  | { k: "accept"; l: number; c: number }
  | { k: "connect"; c: number; e?: string }
  | { k: "read"; c: number; d?: string; eof?: true; e?: string }
  | { k: "write"; c: number; n?: number; e?: string }
  | { k: "udp-bound"; u: number }
  | { k: "udp-msg"; u: number; d: string; h: string; port: number }
  | { k: "udp-err"; u: number };

/** The kinds above, for a parser's check. */
export const NET_INPUT_KINDS = new Set<string>([
  "accept",
  "connect",
  "read",
  "write",
  "udp-bound",
  "udp-msg",
  "udp-err",
]);

const firstLine = (e: Error) => e.message.split("\n")[0];

/** The live network `inner`, each completion handed to `log` before the gateway sees it. */
export function recordingNet(inner: HostNet, log: (i: NetInput) => void): HostNet {
  let conns = 0, listeners = 0, udps = 0;
  const stream = (s: HostStream, c: number): HostStream => ({
    read(buf, done) {
      s.read(buf, (r) => {
        if (r instanceof Error) log({ k: "read", c, e: firstLine(r) });
        else if (r === null) log({ k: "read", c, eof: true });
        else log({ k: "read", c, d: encodeBase64Bytes(buf.subarray(0, r)) });
        done(r);
      });
    },
    write(data, done) {
      s.write(data, (r) => {
        log(r instanceof Error ? { k: "write", c, e: firstLine(r) } : { k: "write", c, n: r });
        done(r);
      });
    },
    closeWrite: () => s.closeWrite(),
    close: () => s.close(),
  });
  return {
    listen(at, backlog, onAccept) {
      const l = listeners++;
      return inner.listen(at, backlog, (s) => {
        const c = conns++;
        log({ k: "accept", l, c });
        onAccept(stream(s, c));
      });
    },
    connect(to, done) {
      const c = conns++;
      inner.connect(to, (r) => {
        if (r instanceof Error) {
          log({ k: "connect", c, e: firstLine(r) });
          done(r);
        } else {
          log({ k: "connect", c });
          done(stream(r, c));
        }
      });
    },
    udp(at, on) {
      const u = udps++;
      return inner.udp(at, {
        bound() {
          log({ k: "udp-bound", u });
          on.bound();
        },
        message(data, from) {
          log({ k: "udp-msg", u, d: encodeBase64Bytes(data), h: from.hostname, port: from.port });
          on.message(data, from);
        },
        error() {
          log({ k: "udp-err", u });
          on.error();
        },
      });
    },
  };
}

interface ReplayStream {
  reads: { buf: Uint8Array; done: (r: number | null | Error) => void }[];
  writes: { length: number; done: (r: number | Error) => void }[];
}

/** The host network of a replay: no host, completions from the log (`apply`). */
export class ReplayNet implements HostNet {
  readonly #listeners: ((s: HostStream) => void)[] = [];
  readonly #connects = new Map<number, (r: HostStream | Error) => void>();
  readonly #streams = new Map<number, ReplayStream>();
  readonly #udps: HostUdpEvents[] = [];
  #conns = 0;

  listen(at: HostAddr, _backlog: number, onAccept: (c: HostStream) => void): HostStreamListener {
    this.#listeners.push(onAccept);
    return { addr: { ...at }, close: () => {} };
  }

  connect(_to: HostAddr, done: (r: HostStream | Error) => void): void {
    this.#connects.set(this.#conns++, done);
  }

  udp(_at: HostAddr, on: HostUdpEvents): HostUdpSocket {
    this.#udps.push(on);
    return { send: () => {}, close: () => {} };
  }

  #stream(c: number): HostStream {
    const st: ReplayStream = { reads: [], writes: [] };
    this.#streams.set(c, st);
    return {
      read: (buf, done) => void st.reads.push({ buf, done }),
      write: (data, done) => void st.writes.push({ length: data.length, done }),
      closeWrite: () => {},
      close: () => {},
    };
  }

  /** Delivers one logged completion; a string says how the replay diverged. */
  apply(i: NetInput): string | null {
    switch (i.k) {
      case "accept": {
        const on = this.#listeners[i.l];
        if (!on) return `a connection accepted on host listener ${i.l}, which was never made`;
        const c = this.#conns++;
        if (c !== i.c) return `accepted connection ${i.c} is connection ${c} here`;
        on(this.#stream(c));
        return null;
      }
      case "connect": {
        const done = this.#connects.get(i.c);
        if (!done) return `host connect ${i.c} answered, but never started`;
        this.#connects.delete(i.c);
        done(i.e !== undefined ? new Error(i.e) : this.#stream(i.c));
        return null;
      }
      case "read": {
        const r = this.#streams.get(i.c)?.reads.shift();
        if (!r) return `a read on host connection ${i.c} completed, but none was under way`;
        if (i.e !== undefined) r.done(new Error(i.e));
        else if (i.eof) r.done(null);
        else {
          const d = decodeBase64Bytes(i.d ?? "");
          if (d.length > r.buf.length) return `a read on host connection ${i.c} overflows`;
          r.buf.set(d);
          r.done(d.length);
        }
        return null;
      }
      case "write": {
        const w = this.#streams.get(i.c)?.writes.shift();
        if (!w) return `a write on host connection ${i.c} completed, but none was under way`;
        if (i.e !== undefined) w.done(new Error(i.e));
        else if (i.n !== w.length) {
          return `host connection ${i.c} was written ${w.length} bytes, recorded ${i.n}`;
        } else w.done(i.n);
        return null;
      }
      case "udp-bound":
      case "udp-msg":
      case "udp-err": {
        const on = this.#udps[i.u];
        if (!on) return `an event on host UDP socket ${i.u}, which was never made`;
        if (i.k === "udp-bound") on.bound();
        else if (i.k === "udp-err") on.error();
        else on.message(decodeBase64Bytes(i.d), { hostname: i.h, port: i.port });
        return null;
      }
    }
  }
}
