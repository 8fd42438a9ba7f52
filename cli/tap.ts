/**
 * cli_tap.ts — the CLI's `--netdev tap:NAME` (with `--net ADDR/PREFIX[,GW]`): boots a
 * single-machine image in realtime mode with its NIC plugged into the Linux tap device
 * NAME (tap_net.ts), so the host's own stack reaches the guest: `ping`, `curl`.
 *
 *   deno task boot-tap                       # = --netdev tap:tap0 --net 10.0.3.2/24
 *   ip addr add 10.0.3.1/24 dev tap0; ip link set tap0 up; ping 10.0.3.2
 *
 * Needs root (TUNSETIFF) and Deno's --allow-ffi (only `deno task boot-tap` grants it).
 *
 * Rules: the tap is opened before the machine boots, so a missing /dev/net/tun, a missing
 * permission or a busy device ends the run with one line naming the device and the cause
 * (exit status 1); `--net` replaces the address of the image's first interface (its
 * config's `net[0]`), nothing else; Ctrl-C (SIGINT) halts the machine with status 0, and
 * the tap is closed after every run (a tap this run created goes away).
 */
import type { Image, NetIfConfig } from "../kernel/kern/image.ts";
import type { Booted } from "../platform/hw/boot.ts";
import { runImage } from "../rumprun/run.ts";
import type { PcbInfo } from "../net/netinet_init.ts";
import type { HostDisk } from "./blk.ts";
import type { TraceFile } from "./trace.ts";
import type { TapNetdev } from "../host/tap.ts";
import type { CliOptions } from "./cli.ts";

/** `--net ADDR/PREFIX[,GW]`: the guest's address on its first interface. */
export interface NetFlag {
  addr: string;
  mask: string;
  gw?: string;
}

const IPV4 = /^(25[0-5]|2[0-4]\d|1?\d?\d)(\.(25[0-5]|2[0-4]\d|1?\d?\d)){3}$/;

/** Parses `10.0.3.2/24` or `10.0.3.2/24,10.0.3.1`; throws an Error naming the bad part. */
export function parseNetFlag(spec: string): NetFlag {
  const m = /^([^/,]+)\/(\d{1,2})(?:,([^,]+))?$/.exec(spec);
  if (!m) throw new Error(`"${spec}" is not ADDR/PREFIX[,GW], e.g. 10.0.3.2/24`);
  const [, addr, prefix, gw] = m;
  if (!IPV4.test(addr)) throw new Error(`"${addr}" is not an IPv4 address`);
  const len = Number(prefix);
  if (len < 1 || len > 30) throw new Error(`prefix /${prefix} is outside /1../30`);
  if (gw !== undefined && !IPV4.test(gw)) throw new Error(`gateway "${gw}" is not an IPv4 address`);
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

/**
 * Boots `image` on the tap `o.tap` (realtime): opens the tap, boots, prints a line per TCP
 * port the guest listens on, runs until the last app ends or Ctrl-C, closes the tap.
 */
export async function bootTap(
  image: Image,
  o: CliOptions,
  disk: HostDisk | null,
  { attachTap, openTap }: typeof import("./tap_net.ts"),
  trace: TraceFile | null,
): Promise<number> {
  if (o.epochMs !== undefined) throw new Error("--epoch: realtime mode takes the host's time");
  if (o.net) image = withNet(image, o.net);
  const nif = image.config.net?.[0];
  if (!nif) throw new Error(`--netdev tap: image "${image.name}" has no network`);
  const pcap = o.pcap ? Deno.openSync(o.pcap, { write: true, create: true, truncate: true }) : null;
  let tap: TapNetdev;
  try {
    tap = openTap(o.tap!);
  } catch (e) {
    pcap?.close();
    throw e;
  }
  let booted: Booted | null = null;
  const onSigint = () => {
    if (!booted) return;
    console.log("\nrumpsim: interrupted, halting");
    booted.user.exitStatus ??= 0;
    booted.machine.halt("interrupted");
  };
  Deno.addSignalListener("SIGINT", onSigint);
  let watch: ReturnType<typeof setInterval> | undefined;
  try {
    console.log(`rumpsim: ${nif.if} on tap ${tap.name}, guest ${nif.addr} netmask ${nif.mask}`);
    const r = await runImage(image, {
      seed: o.seed,
      memBytes: o.memBytes,
      mode: "realtime",
      verbose: o.verbose,
      argv: o.argv,
      console: (b) => {
        for (let off = 0; off < b.length;) off += Deno.stdout.writeSync(b.subarray(off));
      },
      trace: trace?.tracer,
      onBoot: (b) => {
        disk?.attach(b.machine);
        booted = b;
        attachTap(b, tap, {
          seed: o.seed,
          pcap: pcap ? (bytes) => void pcap.writeSync(bytes) : undefined,
          fault: o.fault,
        });
        // Say where to connect once the guest listens (checked on the host's clock).
        const seen = new Set<string>();
        watch = setInterval(() => {
          const pcbs = b.kernel.sysctl.read("net.inet.pcblist") as PcbInfo[] | undefined;
          for (const p of pcbs ?? []) {
            const port = /\.(\d+)$/.exec(p.local)?.[1];
            if (p.state !== "LISTEN" || !port || seen.has(port)) continue;
            seen.add(port);
            console.log(`${image.name}: listening on ${nif.addr}:${port} (tap ${tap.name})`);
          }
        }, 10);
      },
    });
    return r.status;
  } finally {
    clearInterval(watch);
    Deno.removeSignalListener("SIGINT", onSigint);
    await tap.close();
    pcap?.close();
  }
}
