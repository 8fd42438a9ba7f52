/**
 * hostfwd.ts — QEMU's hostfwd in the user netdev's gateway: a host listener on a loopback
 * address (host/host_net.ts) whose every accepted connection becomes a TCP connection from
 * the gateway kernel to the guest port, relayed both ways (relay.ts).
 *
 * The relay's first thread makes the gateway socket and connects it to the guest; a
 * guest port with no listener (the guest answers the SYN with a RST) is counted as
 * refused, and the host connection is closed without a byte — the host sees the
 * connection end at once.
 *
 * Rules: kernel state changes in the event loop's context (where accepted connections
 * arrive) or in gateway threads. Every host listener is an open host source while it
 * lives. A host address that is not loopback (127/8) is refused here.
 */
import { Errno } from "../kernel/kern/errno.ts";
import type { Blocking } from "../kernel/hypercall/rumpuser.ts";
import { AF_INET, SOCK_STREAM } from "../kernel/syscall/api.ts";
import type { HostAddr, HostStream, HostStreamListener } from "../host/host_net.ts";
import type { HostFwd } from "./plan.ts";
import { type GuestSocket, type RelayEnv, type RelayHandle, startRelay } from "./relay.ts";
import { sysent } from "../kernel/syscall/systab.ts";

/**
 * The host listener's accept queue: thousands of clients connecting at once wait here
 * while the machine is busy (Deno's default, 511, overflows at once under 10,000, and an
 * overflowing Linux listener drops the clients' handshakes). Linux caps it at
 * net.core.somaxconn (4096 by default).
 */
export const HOSTFWD_BACKLOG = 65535;

/** A hostfwd rule's host listener; `close` ends it and every relay it started. */
export class HostFwdListener {
  readonly #listener: HostStreamListener;
  readonly #relays = new Set<RelayHandle>();
  #closed = false;

  constructor(readonly env: RelayEnv, readonly fwd: HostFwd) {
    if (!/^127\.\d+\.\d+\.\d+$/.test(fwd.hostAddr)) {
      throw new Error(`hostfwd: host address ${fwd.hostAddr} is not a loopback address`);
    }
    const at = { hostname: fwd.hostAddr, port: fwd.hostPort };
    this.#listener = env.net.listen(at, HOSTFWD_BACKLOG, this.#accepted);
    env.host.openSource();
  }

  /** The bound host address (its port is the one chosen when the rule said 0). */
  get addr(): HostAddr {
    return this.#listener.addr;
  }

  /** (event loop) A host client connected: relay it to the guest port. */
  readonly #accepted = (conn: HostStream): void => {
    if (this.#closed) {
      conn.close();
      return;
    }
    this.env.stats.accepted++;
    const name = `hostfwd:${this.fwd.guestPort}`;
    const r = startRelay(this.env, name, conn, () => this.#connectGuest(), () => {
      this.#relays.delete(r);
    });
    this.#relays.add(r);
  };

  /** (relay thread) A gateway socket connected to the guest port, or refused. */
  *#connectGuest(): Blocking<GuestSocket> {
    const net = sysent(this.env.k).net!;
    const fp = net.socket(this.env.proc, AF_INET, SOCK_STREAM, 0);
    try {
      yield* net.connect(fp, { addr: this.fwd.guestAddr, port: this.fwd.guestPort });
    } catch (e) {
      if (!(e instanceof Errno)) throw e;
      this.env.stats.refused++;
      return { fp, refused: true };
    }
    return { fp, refused: false };
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#listener.close();
    this.env.host.closeSource();
    for (const r of this.#relays) r.hostAbort();
  }
}
