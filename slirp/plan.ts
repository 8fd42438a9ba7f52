/**
 * plan.ts — QEMU's `-netdev user`: the guest's NIC plugged into a gateway that stands for
 * the host, on the 10.0.2.0/24 plan (guest 10.0.2.15, gateway 10.0.2.2, DNS 10.0.2.3), with
 * `hostfwd` rules mapping host ports to guest ports.
 *
 * The split: this file is the medium and the configuration language — the cable between
 * the guest's NIC (`guest`) and the gateway's interface (`gateway`), the addressing plan,
 * and the parsers for `--hostfwd tcp:127.0.0.1:8080-:80` and `--hosts name=addr,...`. The
 * gateway itself is a rump kernel on the hosted platform running the same net/ code as the
 * guest, with the host sockets behind it: gateway.ts, which plugs into `gateway` and is
 * configured by USER_NET (its type is the gateway's plan type, `UserNetPlan`).
 *
 * Rules: the two ends are a Wire (frames copied once, delivered at once or after a
 * latency); parsers throw an Error naming the bad part; host addresses are loopback only.
 */
import type { Scheduler } from "../sched/mod.ts";
import type { Netdev } from "../arch/netdev/netdev.ts";
import { Wire } from "../arch/netdev/wire.ts";
import { isIpv4Text } from "../kernel/kern/inet_addr.ts";

/** The user-mode network's addressing plan (QEMU's defaults). */
export const USER_NET = {
  network: "10.0.2.0",
  prefixLen: 24,
  netmask: "255.255.255.0",
  guest: "10.0.2.15",
  gateway: "10.0.2.2",
  dns: "10.0.2.3",
  /** The gateway's link address (QEMU's slirp uses 52:55:0a:00:02:02). */
  gatewayMac: "52:55:0a:00:02:02",
} as const;

/** The addressing plan's type: what the gateway is configured with (gateway.ts). */
export type UserNetPlan = typeof USER_NET;

/** One `hostfwd` rule: host `hostAddr:hostPort` (TCP) → guest `guestPort`. */
export interface HostFwd {
  proto: "tcp";
  hostAddr: string;
  /** 0: the host picks a free port (tests). */
  hostPort: number;
  guestAddr: string;
  guestPort: number;
}

const PORT = /^\d{1,5}$/;

function port(s: string, what: string, spec: string, zeroOk: boolean): number {
  const n = PORT.test(s) ? Number(s) : NaN;
  if (!(n >= (zeroOk ? 0 : 1) && n <= 65535)) {
    throw new Error(`hostfwd ${JSON.stringify(spec)}: bad ${what} "${s}"`);
  }
  return n;
}

/**
 * Parses QEMU's `[tcp]:[HOSTADDR]:HOSTPORT-[GUESTADDR]:GUESTPORT`. The host address
 * defaults to 127.0.0.1 and must be a loopback address; the guest's to 10.0.2.15.
 */
export function parseHostfwd(spec: string): HostFwd {
  const m = /^(tcp|udp)?:([^:]*):([^-]*)-([^:]*):(.*)$/.exec(spec);
  if (!m) {
    throw new Error(
      `hostfwd ${JSON.stringify(spec)}: want tcp:HOSTADDR:HOSTPORT-:GUESTPORT, ` +
        `e.g. tcp:127.0.0.1:8080-:80`,
    );
  }
  if (m[1] === "udp") throw new Error(`hostfwd ${JSON.stringify(spec)}: only tcp is forwarded`);
  const hostAddr = m[2] || "127.0.0.1";
  if (!isIpv4Text(hostAddr) || !hostAddr.startsWith("127.")) {
    throw new Error(
      `hostfwd ${JSON.stringify(spec)}: host address ${hostAddr} is not a loopback address`,
    );
  }
  const guestAddr = m[4] || USER_NET.guest;
  if (!isIpv4Text(guestAddr)) {
    throw new Error(`hostfwd ${JSON.stringify(spec)}: bad guest address "${guestAddr}"`);
  }
  return {
    proto: "tcp",
    hostAddr,
    hostPort: port(m[3], "host port", spec, true),
    guestAddr,
    guestPort: port(m[5], "guest port", spec, false),
  };
}

/** Parses `name=addr,name=addr` (the DNS names the gateway answers). */
export function parseHosts(spec: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const part of spec.split(",")) {
    if (part === "") continue;
    const eq = part.indexOf("=");
    const name = eq > 0 ? part.slice(0, eq).trim().toLowerCase().replace(/\.$/, "") : "";
    const addr = eq > 0 ? part.slice(eq + 1).trim() : "";
    if (!/^[a-z0-9]([a-z0-9.-]*[a-z0-9])?$/.test(name) || name.length > 253) {
      throw new Error(`hosts: bad name in ${JSON.stringify(part)}`);
    }
    if (!isIpv4Text(addr)) throw new Error(`hosts: bad address in ${JSON.stringify(part)}`);
    out[name] = addr;
  }
  return out;
}

/** The user netdev's cable: `guest` is what the NIC is plugged into, `gateway` the gateway's. */
export class UserNetdev {
  readonly wire: Wire;
  readonly guest: Netdev;
  readonly gateway: Netdev;

  constructor(sched: Scheduler | null, opts: { latencyNs?: number } = {}) {
    this.wire = new Wire(sched, { latencyNs: opts.latencyNs });
    this.guest = this.wire.a;
    this.gateway = this.wire.b;
  }
}
