/**
 * netdev.ts — what a realtime run's NIC is plugged into (`--netdev user|tap:NAME|none`),
 * as factories the boot harness (boot.ts) calls in one order: `open` before the machine
 * exists (host resources: a missing tap fails here, before boot), `attach` from runImage's
 * onBoot, `close` after the run.
 *
 *   user      QEMU's user-mode network (user_net.ts): the gateway kernel, hostfwd, NAT, DNS
 *   tap:NAME  a Linux tap device (tap_net.ts; root and --allow-ffi: `deno task boot-tap`)
 *   none      no NIC; standard input reaches COM1, so apps read what is typed
 *
 * Also `--net ADDR/PREFIX[,GW]`: the guest's address on a tap, replacing the address of
 * the image's first interface (its config's `net[0]`), nothing else.
 *
 * Rules: every message is one line; `announce` says where to connect once the guest
 * listens (the harness asks it on the host's clock until it says it is done).
 */
import type { Image, NetIfConfig } from "../kernel/syscall/image.ts";
import type { PcbInfo } from "../net/netinet_init.ts";
import type { Booted } from "../rumprun/boot.ts";
import type { FaultSpec } from "../arch/netdev/fault.ts";
import type { HostFwd } from "../slirp/plan.ts";
import type { TapNetdev } from "../host/tap.ts";
import type { Tracer } from "../sched/mod.ts";
import { feedConsole, openConsoleInput } from "./console.ts";
import type { HostIo } from "./record.ts";
import type { HostWork } from "../sched/host_work.ts";
import { hostNet } from "../host/host_net.ts";
import { UsageError } from "./flags.ts";
import { isIpv4Text } from "../kernel/kern/inet_addr.ts";

/** `--net ADDR/PREFIX[,GW]`: the guest's address on its first interface. */
export interface NetFlag {
  addr: string;
  mask: string;
  gw?: string;
}

/** Parses `10.0.3.2/24` or `10.0.3.2/24,10.0.3.1`; throws an Error naming the bad part. */
export function parseNetFlag(spec: string): NetFlag {
  const m = /^([^/,]+)\/(\d{1,2})(?:,([^,]+))?$/.exec(spec);
  if (!m) throw new Error(`"${spec}" is not ADDR/PREFIX[,GW], e.g. 10.0.3.2/24`);
  const [, addr, prefix, gw] = m;
  if (!isIpv4Text(addr)) throw new Error(`"${addr}" is not an IPv4 address`);
  const len = Number(prefix);
  if (len < 1 || len > 30) throw new Error(`prefix /${prefix} is outside /1../30`);
  if (gw !== undefined && !isIpv4Text(gw)) {
    throw new Error(`gateway "${gw}" is not an IPv4 address`);
  }
  const bits = (0xffffffff << (32 - len)) >>> 0;
  const mask = [24, 16, 8, 0].map((s) => (bits >>> s) & 0xff).join(".");
  return gw === undefined ? { addr, mask } : { addr, mask, gw };
}

/** `image` with its first interface's address replaced by `net` (a new object). */
export function withNet(image: Image, net: NetFlag): Image {
  const first = image.config.net?.[0];
  if (!first) throw new Error(`--net: image "${image.name}" has no network interface`);
  const nif: NetIfConfig = { if: first.if, method: "static", addr: net.addr, mask: net.mask };
  if (net.gw !== undefined) nif.gw = net.gw;
  return {
    ...image,
    config: { ...image.config, net: [nif, ...(image.config.net ?? []).slice(1)] },
  };
}

/** What every netdev's chain gets: the run's seed, capture and faults. */
export interface ChainFlags {
  seed: number;
  /** `--mac`: the guest NIC's MAC (QEMU's first NIC's by default). */
  mac?: string;
  pcap?: (bytes: Uint8Array) => void;
  fault?: FaultSpec;
}

/** A netdev for one realtime run. */
export interface RealtimeNetdev {
  /** The image to boot (a netdev may change its address) and a line to print before boot. */
  open(image: Image): { image: Image; banner?: string };
  /**
   * Plugs the machine in (runImage's onBoot: after boot, before the scheduler runs); a
   * netdev that runs a kernel of its own names it in the run's timeline.
   */
  attach(b: Booted, chain: ChainFlags, trace: Tracer | undefined, io: HostIo): void;
  /**
   * Lines to print for the guest's listening sockets that were not announced yet; `done`
   * when nothing more will be announced.
   */
  announce?(pcbs: readonly PcbInfo[]): { lines: string[]; done: boolean };
  /** Ctrl-C: before the machine halts (host listeners stop taking connections). */
  interrupt?(): void;
  /** After the run: host resources released. */
  close(): void | Promise<void>;
}

/**
 * `--netdev user`: the gateway kernel on the NIC's cable; `fwds` its hostfwd rules. A
 * replay's (`replay`) listens on no host port.
 */
export function userNetdev(
  { attachUserNet }: typeof import("./user_net.ts"),
  fwds: HostFwd[],
  hosts: Record<string, string> | undefined,
  replay = false,
): RealtimeNetdev {
  let un: import("./user_net.ts").UserNet | null = null;
  let name = "";
  let waiting: Set<import("../slirp/hostfwd.ts").HostFwdListener> | null = null;
  return {
    open: (image) => {
      name = image.name;
      // A host port already taken is a command-line error, found before boot.
      if (!replay) { for (const f of fwds) checkHostPort(f); }
      const rules = fwds.map((f) => `${f.hostAddr}:${f.hostPort} -> guest :${f.guestPort}`);
      return { image, banner: rules.length ? `rumpsim: hostfwd ${rules.join(", ")}` : undefined };
    },
    attach(b, chain, trace, io) {
      trace?.beginProcess("gateway"); // the user netdev's hosted kernel
      const net = (work: HostWork) => io.net(hostNet, work);
      un = attachUserNet(b, { hostfwd: fwds, hosts, ...chain, net });
      waiting = new Set(un.gateway.listeners);
    },
    announce(pcbs) {
      const lines: string[] = [];
      for (const l of waiting ?? []) {
        const port = l.fwd.guestPort;
        if (pcbs.some((p) => p.state === "LISTEN" && p.local.endsWith(`.${port}`))) {
          waiting!.delete(l);
          lines.push(`${name}: serving http://${l.addr.hostname}:${l.addr.port}/`);
        }
      }
      return { lines, done: waiting !== null && waiting.size === 0 };
    },
    interrupt: () => un?.gateway.close(),
    close: () => un?.gateway.close(),
  };
}

/** Throws a UsageError naming `--hostfwd` and the port when the host cannot listen there. */
function checkHostPort(f: HostFwd): void {
  if (f.hostPort === 0) return;
  try {
    Deno.listen({ hostname: f.hostAddr, port: f.hostPort }).close();
  } catch (e) {
    const why = e instanceof Deno.errors.AddrInUse
      ? "is already in use (another program listens there)"
      : e instanceof Deno.errors.NotCapable
      ? "may not be used (this task may listen on 127.0.0.1 only)"
      : e instanceof Deno.errors.PermissionDenied
      ? "needs privileges (ports below 1024 are root's)"
      : `cannot be used: ${(e as Error).message.split("\n")[0]}`;
    throw new UsageError(`--hostfwd: host port ${f.hostAddr}:${f.hostPort} ${why}`);
  }
}

/**
 * `--netdev tap:NAME` (with `--net`): the NIC on the Linux tap device `name`. A replay's
 * (`replay`) opens no device: its frames come from the recording.
 */
export function tapNetdev(
  { attachTap, openTap }: typeof import("./tap_net.ts"),
  name: string,
  net: NetFlag | undefined,
  replay = false,
): RealtimeNetdev {
  let tap: TapNetdev | null = null;
  let label = "", addr = "";
  const seen = new Set<string>();
  return {
    open(image) {
      if (net) image = withNet(image, net);
      const nif = image.config.net?.[0];
      if (!nif) throw new Error(`--netdev tap: image "${image.name}" has no network`);
      label = image.name;
      addr = nif.addr ?? "";
      if (replay) return { image };
      tap = openTap(name);
      return {
        image,
        banner: `rumpsim: ${nif.if} on tap ${tap.name}, guest ${nif.addr} netmask ${nif.mask}`,
      };
    },
    attach: (b, chain, _trace, io) => void attachTap(b, tap, chain, io.medium(tap!)),
    announce(pcbs) {
      const lines: string[] = [];
      for (const p of pcbs) {
        const port = /\.(\d+)$/.exec(p.local)?.[1];
        if (p.state !== "LISTEN" || !port || seen.has(port)) continue;
        seen.add(port);
        lines.push(`${label}: listening on ${addr}:${port} (tap ${tap!.name})`);
      }
      return { lines, done: false };
    },
    close: async () => {
      await tap?.close();
    },
  };
}

/**
 * `--netdev none` in realtime: no NIC; what is typed reaches COM1 (in a replay, `input`
 * is null: what was typed comes from the recording).
 */
export function noNetdev(input: ReadableStream<Uint8Array> | null): RealtimeNetdev {
  return {
    open: (image) => ({ image }),
    attach(b, _chain, _trace, io) {
      if (input) void feedConsole(b.machine, input, (c) => io.console(c));
      else io.console(openConsoleInput(b.machine));
    },
    close: () => {},
  };
}
