/**
 * counter_retry.ts — a scenario with a planted bug behind a rare fault: a client that
 * retries a non-idempotent request after a timeout, and a partition that only sometimes
 * lands where it matters.
 *
 *   deno task sim scenarios/counter_retry.ts --seeds 1..1000
 *
 * The server (10.0.0.1) keeps a counter: on each connection, every line "inc" adds one and
 * is answered "ok N"; "get" is answered "count N". The client (10.0.0.2) sends 20 "inc",
 * one a second, each awaited for 300 ms; then it asks "get" and exits 1 when the server's
 * count is not the number of increments it made.
 *
 * The bug: when a reply does not come in 300 ms, the client drops the connection and sends
 * "inc" again on a new one. But the first request was already on its way (or applied, its
 * reply lost): TCP still delivers it, so the server counts one increment twice. It only
 * shows when the link is cut while an exchange is in flight: the wire's one-way latency is
 * 1 ms and the schedule cuts the server's cable for 5 ms at a random time in the first
 * 40 s, so a few seeds in a thousand fail. The fix would be an idempotency key (a request
 * id the server remembers), or not retrying on another connection.
 */
import {
  AF_INET,
  type App,
  isErrno,
  type PollFd,
  POLLIN,
  SO_REUSEADDR,
  SOCK_STREAM,
  SOL_SOCKET,
  type Sys,
  type Wait,
} from "../kernel/syscall/api.ts";
import { rumpdev_pci } from "../dev/pci_component.ts";
import { rumpdev_vioif } from "../dev/vioif_component.ts";
import type { RumpComponent } from "../kernel/kern/component.ts";
import type { Image } from "../kernel/syscall/image.ts";
import { rumpnet, rumpnet_net, rumpnet_netinet } from "../net/netinet_init.ts";
import { defineScenario, exitStatus } from "../rumprun/scenario.ts";

const PORT = 9000;
const enc = new TextEncoder(), dec = new TextDecoder();

function* say(sys: Sys, fd: number, s: string): Wait {
  const b = enc.encode(s);
  for (let off = 0; off < b.length;) off += yield* sys.write(fd, b.subarray(off));
}

function* print(sys: Sys, s: string): Wait {
  yield* say(sys, 1, s);
}

/** The counter server: one fiber per connection would be nicer; one at a time is enough. */
function* counterServer(sys: Sys): Wait<number> {
  const lfd = sys.socket(AF_INET, SOCK_STREAM, 0);
  sys.setsockopt(lfd, SOL_SOCKET, SO_REUSEADDR, 1);
  sys.bind(lfd, { addr: "0.0.0.0", port: PORT });
  sys.listen(lfd, 8);
  let count = 0;
  const conns: { fd: number; line: string }[] = [];
  const buf = new Uint8Array(512);
  for (;;) {
    const fds: PollFd[] = [{ fd: lfd, events: POLLIN, revents: 0 }];
    for (const c of conns) fds.push({ fd: c.fd, events: POLLIN, revents: 0 });
    yield* sys.poll(fds, -1);
    for (const [i, c] of [...conns].entries()) {
      if (!fds[i + 1].revents) continue;
      let n = 0;
      try {
        n = yield* sys.read(c.fd, buf);
      } catch (e) {
        if (!isErrno(e)) throw e;
      }
      if (n === 0) {
        conns.splice(conns.indexOf(c), 1);
        yield* sys.close(c.fd);
        continue;
      }
      c.line += dec.decode(buf.subarray(0, n));
      for (let nl = c.line.indexOf("\n"); nl >= 0; nl = c.line.indexOf("\n")) {
        const cmd = c.line.slice(0, nl);
        c.line = c.line.slice(nl + 1);
        try {
          if (cmd === "inc") yield* say(sys, c.fd, `ok ${++count}\n`);
          else if (cmd === "get") yield* say(sys, c.fd, `count ${count}\n`);
        } catch (e) {
          if (!isErrno(e)) throw e; // the client went away: its increment still counts
        }
      }
    }
    if (fds[0].revents & POLLIN) {
      const { fd } = yield* sys.accept(lfd);
      conns.push({ fd, line: "" });
    }
  }
}

/** Connects to the server; null if it cannot. */
function* dial(sys: Sys): Wait<number | null> {
  const fd = sys.socket(AF_INET, SOCK_STREAM, 0);
  try {
    yield* sys.connect(fd, { addr: "10.0.0.1", port: PORT });
    return fd;
  } catch (e) {
    if (!isErrno(e)) throw e;
    yield* sys.close(fd);
    return null;
  }
}

/** Sends `cmd`, waits up to `ms` for one line; null on a timeout or an error. */
function* ask(sys: Sys, fd: number, cmd: string, ms: number): Wait<string | null> {
  try {
    yield* say(sys, fd, cmd + "\n");
    const buf = new Uint8Array(128);
    let got = "";
    while (!got.includes("\n")) {
      const fds: PollFd[] = [{ fd, events: POLLIN, revents: 0 }];
      if ((yield* sys.poll(fds, ms)) === 0) return null;
      const n = yield* sys.read(fd, buf);
      if (n === 0) return null;
      got += dec.decode(buf.subarray(0, n));
    }
    return got.slice(0, got.indexOf("\n"));
  } catch (e) {
    if (!isErrno(e)) throw e;
    return null;
  }
}

function* counterClient(sys: Sys): Wait<number> {
  let fd = yield* dial(sys);
  let made = 0;
  for (let i = 0; i < 20; i++) {
    for (;;) {
      if (fd === null) fd = yield* dial(sys);
      if (fd === null) continue;
      const reply = yield* ask(sys, fd, "inc", 300);
      if (reply !== null) break;
      // THE PLANTED BUG: the request may already be applied, or still in flight on the old
      // connection, which TCP keeps delivering after close; sending it again double-counts.
      yield* print(sys, `inc ${i + 1}: no reply in 300 ms, retrying\n`);
      yield* sys.close(fd);
      fd = null;
    }
    made++;
    yield* sys.nanosleep({ sec: 1, nsec: 0 });
  }
  let reply: string | null = null;
  while (reply === null) {
    if (fd === null) fd = yield* dial(sys);
    if (fd !== null) reply = yield* ask(sys, fd, "get", 5000);
    if (reply === null && fd !== null) {
      yield* sys.close(fd);
      fd = null;
    }
  }
  const count = Number(/^count (\d+)$/.exec(reply)?.[1] ?? NaN);
  yield* print(sys, `made ${made} increments, server counted ${count}\n`);
  return count === made ? 0 : 1;
}

export const counter_server: App = {
  name: "counter_server",
  main: (sys) => counterServer(sys),
  summary: "a TCP counter: inc, get",
};
export const counter_client: App = {
  name: "counter_client",
  main: (sys) => counterClient(sys),
  summary: "20 increments with a retry on timeout (buggy)",
};

const NET: RumpComponent[] = [rumpnet, rumpnet_net, rumpnet_netinet, rumpdev_pci, rumpdev_vioif];
const host = (name: string, addr: string, app: App): Image => ({
  name: `counter-${name}`,
  description: `the counter ${name}`,
  components: NET,
  apps: [{ app, argv: [] }],
  config: {
    hostname: name,
    net: [{ if: "vioif0", method: "static", addr, mask: "255.255.255.0" }],
  },
});

export default defineScenario({
  name: "counter-retry",
  description: "a client retries a non-idempotent request after a timeout (planted bug)",
  machines: [
    { name: "server", image: host("server", "10.0.0.1", counter_server), wait: false },
    { name: "client", image: host("client", "10.0.0.2", counter_client) },
  ],
  links: [{ kind: "wire", machines: ["server", "client"], latencyNs: 1e6 }],
  // One cut of the server's cable, 5 ms long, somewhere in the first 40 s.
  schedule: (r) => {
    const at = r.between(0, 40e9);
    return [
      { at, do: "partition", machines: ["server"] },
      { at: at + 5e6, do: "heal", machines: ["server"] },
    ];
  },
  invariants: [exitStatus("client", 0)],
  timeLimitNs: 120e9,
});
