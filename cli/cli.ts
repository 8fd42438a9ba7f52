/**
 * cli.ts — the rumpsim command line: boot an image on the simulated PC.
 *
 *   deno task boot [--image NAME] [--seed N] [--mem SIZE] [--epoch TIME] [-v] [-- ARGS...]
 *
 * Rules: flags follow QEMU and rumprun habits; arguments after `--` become the first
 * app's argv. This module links no image: main.ts hands it the catalogue of every image,
 * a baked bundle the one image it carries. A bad flag or value gets one line naming it and exit status 2; otherwise the
 * exit status is the image's (the last app's).
 */
import { parseArgs } from "node:util";
import { parseSize } from "../kernel/kern/kernel.ts";
import { runImage } from "../rumprun/run.ts";
import { isWorld, runWorld } from "../rumprun/world.ts";
import type { FaultConfig } from "../arch/netdev/fault.ts";
import { type BlkFlag, type HostDisk, openHostDisk, parseBlkFlag } from "./blk.ts";
import { type HostFwd, parseHostfwd, parseHosts } from "../slirp/plan.ts";
import { openTraceFile, type TraceFile } from "./trace.ts";
import { bootRealtime } from "./boot.ts";
import { loadImage } from "./catalog.ts";
import type { ImageEntry } from "../images/mod.ts";
import {
  type NetFlag,
  noNetdev,
  parseNetFlag,
  type RealtimeNetdev,
  tapNetdev,
  userNetdev,
} from "./netdev.ts";

/** The images a CLI can boot: all of them (main.ts) or the one a baked bundle carries. */
export interface Catalog {
  images: Record<string, ImageEntry>;
  defaultImage: string;
  /**
   * The user netdev (user_net.ts), loaded on demand: main.ts and a networked image's bundle
   * give it, so an image without a network links none of the gateway's code.
   */
  userNet?: () => Promise<typeof import("./user_net.ts")>;
  /** The tap netdev (tap_net.ts, Deno FFI), loaded on demand: main.ts gives it. */
  tapNet?: () => Promise<typeof import("./tap_net.ts")>;
}

const OPTIONS = {
  image: { type: "string" },
  seed: { type: "string" },
  mem: { type: "string" },
  epoch: { type: "string" },
  pcap: { type: "string" },
  trace: { type: "string" },
  loss: { type: "string" },
  latency: { type: "string" },
  realtime: { type: "boolean" },
  blk: { type: "string" },
  netdev: { type: "string" },
  net: { type: "string" },
  hostfwd: { type: "string", multiple: true },
  hosts: { type: "string" },
  verbose: { type: "boolean", short: "v" },
  help: { type: "boolean", short: "h" },
} as const;

export function usage(c: Catalog): string {
  const images = Object.keys(c.images).sort()
    .map((n) => `    ${n.padEnd(10)} ${c.images[n].description}`).join("\n");
  return `usage: rumpsim [options] [-- app arguments...]

Boots an image on the simulated PC and runs its apps; exits with the last app's status.

options:
  --image NAME   image to boot (default: ${c.defaultImage})
  --seed N       seed for all randomness, 0..4294967295 (default: 1); printed first
  --mem SIZE     guest RAM, e.g. 64M or 1G (default: 64M; 4M..2G)
  --epoch TIME   wall clock at power-on: ISO 8601 or ms since 1970 (default: 2024-01-01T00:00:00Z)
  --pcap FILE    write every frame on the wire to FILE (libpcap, ns timestamps; images with a network)
  --trace FILE   write a timeline of every thread, interrupt and syscall to FILE (Chrome
                 trace JSON: open it in ui.perfetto.dev or chrome://tracing)
  --loss P       drop each frame on the wire (or the user netdev's cable, both ways) with
                 probability P (0..1, or a percentage like 5%)
  --latency MS   one-way latency added on the wire (or the user netdev's cable), in ms
  --realtime     run on the host's clock (default: virtual time); standard input
                 reaches COM1, so apps read what you type
  --netdev user|none
                 what the NIC is plugged into (default: user for an image with a
                 network, which also means realtime mode): QEMU's user-mode network,
                 guest 10.0.2.15, gateway 10.0.2.2, DNS 10.0.2.3
  --netdev tap:NAME
                 plug the NIC into the Linux tap device NAME (realtime; needs root and
                 --allow-ffi: deno task boot-tap); the host side is configured with ip
  --net ADDR/PREFIX[,GW]
                 the guest's address on the tap (replaces the image config's), e.g.
                 10.0.3.2/24
  --hostfwd tcp:HOSTADDR:HOSTPORT-:GUESTPORT
                 forward a loopback host port to a guest port (repeatable; default
                 tcp:127.0.0.1:8080-:80 with --netdev user)
  --hosts NAME=ADDR,...
                 names the user network's DNS answers (beside the image's "hosts")
  --blk FILE[,MOUNTPOINT]
                 attach the ext2 image FILE as a virtio-blk disk (ld0) and mount it at
                 MOUNTPOINT (default /mnt); read-write unless the file is not writable.
                 deno task boot may only touch files under the current directory:
                 for a disk elsewhere, run main.ts with --allow-read/--allow-write for it
  -v, --verbose  verbose kernel messages (RUMP_VERBOSE)
  -h, --help     this text

images:
${images}
`;
}

export class UsageError extends Error {}

export interface CliOptions {
  image: string;
  seed: number;
  memBytes: number;
  epochMs: number | undefined;
  verbose: boolean;
  help: boolean;
  argv: string[] | undefined;
  pcap: string | undefined;
  /** --trace: the timeline's file. */
  trace: string | undefined;
  fault: FaultConfig | undefined;
  realtime: boolean;
  /** --blk: a host disk to attach and mount. */
  blk: BlkFlag | undefined;
  /** Undefined: chosen by the image (user if it has a network). */
  netdev: "user" | "none" | "tap" | undefined;
  /** --netdev tap:NAME: the tap device's name. */
  tap: string | undefined;
  /** --net: the guest's address on the tap. */
  net: NetFlag | undefined;
  hostfwd: HostFwd[] | undefined;
  hosts: Record<string, string> | undefined;
}

/** `deno task boot`'s forward when --netdev user is given no --hostfwd. */
export const DEFAULT_HOSTFWD = "tcp:127.0.0.1:8080-:80";

/** Parses the command line; throws UsageError with a one-line message. */
export function parseCli(args: string[], c: Catalog): CliOptions {
  const dd = args.indexOf("--");
  const own = dd >= 0 ? args.slice(0, dd) : args;
  const argv = dd >= 0 ? args.slice(dd + 1) : undefined;
  let v: ReturnType<typeof parseArgs<{ options: typeof OPTIONS }>>["values"];
  try {
    v = parseArgs({ args: own, options: OPTIONS, strict: true, allowPositionals: false }).values;
  } catch (e) {
    const err = e as Error & { code?: string };
    const name = /'([^']+)'/.exec(err.message)?.[1]?.split(" ")[0] ?? "";
    if (err.code === "ERR_PARSE_ARGS_UNKNOWN_OPTION") {
      throw new UsageError(`unknown option ${name}`);
    }
    if (err.code === "ERR_PARSE_ARGS_UNEXPECTED_POSITIONAL") {
      throw new UsageError(`unexpected argument ${name} (app arguments go after --)`);
    }
    if (err.code === "ERR_PARSE_ARGS_INVALID_OPTION_VALUE") {
      throw new UsageError(`option ${name} needs a value`);
    }
    throw new UsageError(err.message.split("\n")[0]);
  }
  const image = v.image ?? c.defaultImage;
  if (!Object.hasOwn(c.images, image)) {
    const names = Object.keys(c.images).sort().join(", ");
    throw new UsageError(`--image: no image "${image}" (images: ${names})`);
  }
  let seed = 1;
  if (v.seed !== undefined) {
    if (!/^\d+$/.test(v.seed) || Number(v.seed) > 0xffffffff) {
      throw new UsageError(`--seed: "${v.seed}" is not an integer from 0 to 4294967295`);
    }
    seed = Number(v.seed);
  }
  let memBytes = 64 * 1024 * 1024;
  if (v.mem !== undefined) {
    try {
      memBytes = parseSize(v.mem);
    } catch {
      throw new UsageError(`--mem: "${v.mem}" is not a size like 64M`);
    }
    if (memBytes < 4 * 1024 * 1024 || memBytes > 2 * 1024 * 1024 * 1024) {
      throw new UsageError(`--mem: ${v.mem} is outside 4M..2G`);
    }
  }
  let epochMs: number | undefined;
  if (v.epoch !== undefined) {
    epochMs = /^\d+$/.test(v.epoch) ? Number(v.epoch) : Date.parse(v.epoch);
    if (!Number.isFinite(epochMs)) throw new UsageError(`--epoch: "${v.epoch}" is not a time`);
  }
  let fault: FaultConfig | undefined;
  if (v.loss !== undefined) {
    const m = /^(\d+(?:\.\d+)?)(%?)$/.exec(v.loss);
    const p = m ? Number(m[1]) / (m[2] ? 100 : 1) : NaN;
    if (!(p >= 0 && p <= 1)) {
      throw new UsageError(`--loss: "${v.loss}" is not a probability (0..1 or 0%..100%)`);
    }
    fault = { ...fault, loss: p };
  }
  if (v.latency !== undefined) {
    const ms = Number(v.latency);
    if (!/^\d+(\.\d+)?$/.test(v.latency) || ms > 60_000) {
      throw new UsageError(`--latency: "${v.latency}" is not a latency in ms (0..60000)`);
    }
    fault = { ...fault, latencyNs: Math.round(ms * 1e6) };
  }
  const tap = v.netdev?.startsWith("tap:") ? v.netdev.slice(4) : undefined;
  if (v.netdev !== undefined && v.netdev !== "user" && v.netdev !== "none" && !tap) {
    throw new UsageError(`--netdev: "${v.netdev}" is not one of user, none, tap:NAME`);
  }
  let net: NetFlag | undefined;
  try {
    net = v.net !== undefined ? parseNetFlag(v.net) : undefined;
  } catch (e) {
    throw new UsageError(`--net: ${(e as Error).message}`);
  }
  if (net && !tap) throw new UsageError("--net: needs --netdev tap:NAME");
  let hostfwd: HostFwd[] | undefined;
  let hosts: Record<string, string> | undefined;
  try {
    hostfwd = v.hostfwd?.map(parseHostfwd);
    hosts = v.hosts !== undefined ? parseHosts(v.hosts) : undefined;
  } catch (e) {
    throw new UsageError(
      `--${v.hosts !== undefined && !hosts ? "hosts" : "hostfwd"}: ${(e as Error).message}`,
    );
  }
  if (v.netdev !== undefined && v.netdev !== "user" && (hostfwd || hosts)) {
    throw new UsageError(`--${hostfwd ? "hostfwd" : "hosts"}: needs --netdev user`);
  }
  let blk: BlkFlag | undefined;
  try {
    blk = v.blk !== undefined ? parseBlkFlag(v.blk) : undefined;
  } catch (e) {
    throw new UsageError(`--blk: ${(e as Error).message}`);
  }
  return {
    blk,
    netdev: tap ? "tap" : v.netdev as "user" | "none" | undefined,
    tap,
    net,
    hostfwd,
    hosts,
    image,
    seed,
    memBytes,
    epochMs,
    verbose: v.verbose ?? false,
    help: v.help ?? false,
    argv,
    pcap: v.pcap,
    trace: v.trace,
    fault,
    realtime: v.realtime ?? false,
  };
}

/** Runs the CLI; returns the process exit status. */
export async function main(args: string[], c: Catalog): Promise<number> {
  let o: CliOptions;
  try {
    o = parseCli(args, c);
  } catch (e) {
    if (e instanceof UsageError) {
      console.error(`rumpsim: ${e.message}`);
      return 2;
    }
    throw e;
  }
  if (o.help) {
    console.log(usage(c));
    return 0;
  }
  const image = await loadImage(c.images[o.image]);
  const stdout = (b: Uint8Array) => Deno.stdout.writeSync(b);
  let disk: HostDisk | null = null;
  let trace: TraceFile | null = null;
  let pcapFile = null as Deno.FsFile | null;
  try {
    if (o.trace) trace = openTraceFile(o.trace);
    if (o.blk) {
      try {
        disk = openHostDisk(image, o.image, o.blk);
      } catch (e) {
        throw new UsageError(`--blk: ${(e as Error).message}`);
      }
    }
    const openPcap = () => {
      if (!o.pcap) return undefined;
      const f = pcapFile = Deno.openSync(o.pcap, { write: true, create: true, truncate: true });
      return (b: Uint8Array) => void f.writeSync(b);
    };
    if (isWorld(image)) {
      const r = await runWorld(image.machines, {
        seed: o.seed,
        memBytes: o.memBytes,
        epochMs: o.epochMs,
        console: stdout,
        pcap: openPcap(),
        fault: o.fault,
        trace: trace?.tracer,
      });
      return r.status;
    }
    const netdev = o.netdev ?? (image.config.net?.length ? "user" : "none");
    if (netdev === "none" && (o.pcap || o.fault)) {
      throw new UsageError(
        `--${o.pcap ? "pcap" : "loss/--latency"}: image "${o.image}" has no network`,
      );
    }
    if ((netdev !== "none" || o.realtime) && o.epochMs !== undefined) {
      throw new UsageError("--epoch: realtime mode takes the host's time");
    }
    const pcap = openPcap();
    const single = disk?.image ?? image;
    if (netdev === "none" && !o.realtime) {
      const r = await runImage(single, {
        seed: o.seed,
        memBytes: o.memBytes,
        epochMs: o.epochMs,
        mode: "virtual",
        verbose: o.verbose,
        argv: o.argv,
        console: stdout,
        trace: trace?.tracer,
        onBoot: (b) => disk?.attach(b.machine),
      });
      return r.status;
    }
    return await bootRealtime(single, await openNetdev(netdev, o, c), {
      seed: o.seed,
      memBytes: o.memBytes,
      verbose: o.verbose,
      argv: o.argv,
      chain: { pcap, fault: o.fault },
      disk,
      trace,
    });
  } catch (e) {
    console.error(`rumpsim: ${(e as Error).message}`);
    return e instanceof UsageError ? 2 : 1;
  } finally {
    disk?.close();
    trace?.close();
    pcapFile?.close();
  }
}

/** The netdev factory for a realtime run, its module loaded on demand. */
async function openNetdev(
  kind: "user" | "tap" | "none",
  o: CliOptions,
  c: Catalog,
): Promise<RealtimeNetdev> {
  if (kind === "user") {
    if (!c.userNet) throw new UsageError("--netdev user: not linked into this bundle");
    return userNetdev(
      await c.userNet(),
      o.hostfwd ?? [parseHostfwd(DEFAULT_HOSTFWD)],
      o.hosts,
    );
  }
  if (kind === "tap") {
    if (!c.tapNet) throw new UsageError("--netdev tap: not linked into this bundle");
    return tapNetdev(await c.tapNet(), o.tap!, o.net);
  }
  return noNetdev(Deno.stdin.readable);
}
