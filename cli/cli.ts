/**
 * cli.ts — the rumpsim command line: boot an image on the simulated PC.
 *
 *   deno task boot [--image NAME] [--seed N] [--mem SIZE] [--epoch TIME] [-v] [-- ARGS...]
 *
 * Rules: flags follow QEMU and rumprun habits; arguments after `--` become the first
 * app's argv. This module links no image: main.ts hands it the catalogue of every image,
 * a baked bundle the one image it carries. Flags are scanned by flags.ts (adding one is a
 * line in OPTIONS, a field in CliOptions and its check in parseCli); a flag that means
 * nothing for the chosen image is refused by checkImageFlags before boot. A bad flag,
 * value or file gets one line naming the flag and exit status 2, never a stack; otherwise
 * the exit status is the image's (the first failing app's, else the last app's).
 */
import { parseEpoch, parseMac, parseMem, parseSeed, scanFlags, UsageError } from "./flags.ts";
import { runImage } from "../rumprun/run.ts";
import { isWorld, runWorld } from "../rumprun/world.ts";
import type { FaultConfig, FaultSpec } from "../arch/netdev/fault.ts";
import type { BlkFaultConfig } from "../arch/virtio/blk_fault.ts";
import { FaultFlagError, nicFaultSpec, parseFaultFlags } from "./fault_flag.ts";
import { withDiskFaults } from "./disk_faults.ts";
import { bootTwice, checkBootDeterminism } from "./determinism.ts";
import { readRecording, recordRealtime, replayImage, replayRecording } from "./record_run.ts";
import { sha256Hex } from "./record.ts";
import { type BlkFlag, type HostDisk, openHostDisks, parseBlkFlag } from "./blk.ts";
import { type HostFwd, parseHostfwd, parseHosts } from "../slirp/plan.ts";
import { openTraceFile, type TraceFile } from "./trace.ts";
import { bootRealtime } from "./boot.ts";
import { openSysproxy, parseSysproxyUrl, type SysproxyListener } from "./sysproxy.ts";
import { loadImage, loadImageModule } from "./catalog.ts";
import { crlfToLf, writeAll } from "./console.ts";
import type { Image } from "../kernel/syscall/image.ts";
import type { World } from "../rumprun/world.ts";
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
  /**
   * `--wasm` (wasm_image.ts: the POSIX image, the loader, ext2), loaded on demand: main.ts
   * gives it, so a baked image carries none of it.
   */
  wasmImage?: () => Promise<typeof import("./wasm_image.ts")>;
}

const OPTIONS = {
  image: { type: "string" },
  seed: { type: "string" },
  mem: { type: "string" },
  epoch: { type: "string" },
  pcap: { type: "string", multiple: true },
  trace: { type: "string" },
  loss: { type: "string" },
  latency: { type: "string" },
  fault: { type: "string", multiple: true },
  "check-determinism": { type: "boolean" },
  record: { type: "string" },
  replay: { type: "string" },
  realtime: { type: "boolean" },
  blk: { type: "string", multiple: true },
  mac: { type: "string" },
  env: { type: "string", multiple: true },
  "image-module": { type: "string" },
  wasm: { type: "string" },
  netdev: { type: "string" },
  net: { type: "string" },
  hostfwd: { type: "string", multiple: true },
  hosts: { type: "string" },
  sysproxy: { type: "string" },
  verbose: { type: "boolean", short: "v" },
  help: { type: "boolean", short: "h" },
} as const;

export function usage(c: Catalog): string {
  const images = Object.keys(c.images).sort()
    .map((n) => `    ${n.padEnd(10)} ${c.images[n].description}`).join("\n");
  return `usage: rumpsim [options] [-- app arguments...]

Boots an image on the simulated PC and runs its apps; exits with the first failing app's
status, else the last app's (2: a bad command line; 143: SIGTERM; Ctrl-C: 0).

options:
  --image NAME   image to boot (default: ${c.defaultImage})
  --image-module FILE
                 boot your own image: a module exporting \`image\` (or \`world\`)
  --wasm FILE    boot the POSIX image running the WebAssembly program FILE (built with
                 deno task cc); the arguments after -- are its argv
  --seed N       seed for all randomness, 0..4294967295 (default: 1); printed first
  --mem SIZE     guest RAM, e.g. 64M, 1G, or 64 (MiB) (default: 64M; 4M..2G)
  --epoch TIME   wall clock at power-on: ISO 8601 (2025-06-01T12:00:00Z; UTC without a
                 zone), @SECONDS (@1700000000) or MILLISECONDSms (1700000000000ms)
                 (default: 2024-01-01T00:00:00Z; virtual time only)
  --pcap FILE    write every frame on the wire to FILE (libpcap, ns timestamps; images with a network)
  --pcap NAME=FILE
                 in a world: machine NAME's frames, seen from its own NIC (repeatable)
  --trace FILE   write a timeline of every thread, interrupt and syscall to FILE (Chrome
                 trace JSON: open it in ui.perfetto.dev or chrome://tracing)
  --loss P       drop each frame on the wire (or the user netdev's cable, both ways) with
                 probability P (0..1, or a percentage like 5%)
  --latency MS   one-way latency added on the wire (or the user netdev's cable), in ms
  --fault SPEC   faults at the NIC, netem's words (repeatable; docs/SCENARIOS.md):
                 'loss=10%,duplicate=5%,reorder=20%,corrupt=1%', 'latency=50ms,jitter=10ms',
                 'rate=1mbit,limit=100', reorder-delay=2ms; 'tx:...' or 'rx:...' for one
                 direction; 'blk:eio=FIRST-LAST[:read|:write],torn=FIRST-LAST,latency=2ms'
                 for the --blk disks
  --check-determinism
                 run twice in virtual time and compare console, pcap and trace byte for
                 byte, naming the first difference
  --record FILE  log a realtime run's host inputs into FILE: the clock, typed console
                 input, hostfwd and NAT connections and their bytes, tap frames, signals
                 (not --sysproxy clients or --blk disks)
  --replay FILE  run a recording again with no host: the same console, pcap and trace
                 (takes only --pcap and --trace)
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
  --sysproxy unix:PATH|tcp:ADDR:PORT
                 serve system calls to remote clients (deno task ctl; realtime):
                 a unix socket (mode 0600) or TCP (a token in an owner-only file)
  --blk FILE[,MOUNTPOINT][,ro]
                 attach the ext2 image FILE as a virtio-blk disk and mount it at
                 MOUNTPOINT (repeatable, up to 4: ld0 at /mnt, ld1 at /mnt1, ...);
                 read-write unless ,ro is given or the file is not writable
  --mac MAC      the guest NIC's MAC address (default 52:54:00:12:34:56)
  --env NAME=VALUE
                 set an environment variable of the apps (repeatable; rumprun's -e)
  -v, --verbose  verbose kernel messages (RUMP_VERBOSE)
  -h, --help     this text

images:
${images}
`;
}

export { UsageError };

export interface CliOptions {
  image: string;
  seed: number;
  memBytes: number;
  epochMs: number | undefined;
  verbose: boolean;
  help: boolean;
  argv: string[] | undefined;
  pcap: string | undefined;
  /** --pcap NAME=FILE: a world machine's own capture, by machine name. */
  pcapOf: Record<string, string> | undefined;
  /** --trace: the timeline's file. */
  trace: string | undefined;
  fault: FaultConfig | undefined;
  /** --loss, --latency and --fault together: the NIC's faults. */
  nicFault: FaultSpec | undefined;
  /** --fault blk:...: faults on the --blk disks. */
  blkFault: BlkFaultConfig | undefined;
  /** --check-determinism: run twice and compare. */
  checkDeterminism: boolean;
  /** --record FILE: log a realtime run's host inputs (cli/record.ts). */
  record: string | undefined;
  /** --replay FILE: run a recording again. */
  replay: string | undefined;
  realtime: boolean;
  /** --blk: host disks to attach and mount (ld0, ld1, ...); empty: none. */
  blk: BlkFlag[];
  /** --mac: the guest NIC's MAC. */
  mac: string | undefined;
  /** --env NAME=VALUE: added to the image config's env (rumprun -e). */
  env: Record<string, string> | undefined;
  /** --image-module: a module of the user's own that exports `image` (or `world`). */
  imageModule: string | undefined;
  /** --wasm: a WebAssembly program to run in the POSIX image (cli/wasm_image.ts). */
  wasm: string | undefined;
  /** Undefined: chosen by the image (user if it has a network). */
  netdev: "user" | "none" | "tap" | undefined;
  /** --netdev tap:NAME: the tap device's name. */
  tap: string | undefined;
  /** --net: the guest's address on the tap. */
  net: NetFlag | undefined;
  hostfwd: HostFwd[] | undefined;
  hosts: Record<string, string> | undefined;
  /** --sysproxy URL: serve remote clients (cli/sysproxy.ts). */
  sysproxy: string | undefined;
}

/** `deno task boot`'s forward when --netdev user is given no --hostfwd. */
export const DEFAULT_HOSTFWD = "tcp:127.0.0.1:8080-:80";

/** Parses the command line; throws UsageError with a one-line message. */
export function parseCli(args: string[], c: Catalog): CliOptions {
  const { values: v, argv } = scanFlags(args, OPTIONS);
  if (v.image !== undefined && v["image-module"] !== undefined) {
    throw new UsageError("--image-module: give either --image or --image-module, not both");
  }
  if (v.wasm !== undefined && (v.image !== undefined || v["image-module"] !== undefined)) {
    throw new UsageError("--wasm: boots the POSIX image; give no --image or --image-module");
  }
  const image = v.image ?? c.defaultImage;
  if (v["image-module"] === undefined && !Object.hasOwn(c.images, image)) {
    const names = Object.keys(c.images).sort().join(", ");
    throw new UsageError(`--image: no image "${image}" (images: ${names})`);
  }
  const seed = v.seed !== undefined ? parseSeed(v.seed) : 1;
  const memBytes = v.mem !== undefined ? parseMem(v.mem) : 64 * 1024 * 1024;
  const epochMs = v.epoch !== undefined ? parseEpoch(v.epoch) : undefined;
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
  let nicFault: FaultSpec | undefined, blkFault: BlkFaultConfig | undefined;
  try {
    const ff = parseFaultFlags(v.fault ?? []);
    nicFault = nicFaultSpec(fault, ff);
    blkFault = ff.blk;
  } catch (e) {
    if (!(e instanceof FaultFlagError)) throw e;
    throw new UsageError(`--fault: ${e.message}`);
  }
  if (blkFault && !v.blk?.length) throw new UsageError("--fault: blk:... needs --blk");
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
  let blk: BlkFlag[] = [];
  try {
    blk = (v.blk ?? []).map(parseBlkFlag);
  } catch (e) {
    throw new UsageError(`--blk: ${(e as Error).message}`);
  }
  const mac = v.mac !== undefined ? parseMac(v.mac) : undefined;
  if (v.sysproxy !== undefined) {
    try {
      parseSysproxyUrl(v.sysproxy);
    } catch (e) {
      throw new UsageError(`--sysproxy: ${(e as Error).message}`);
    }
  }
  let env: Record<string, string> | undefined;
  for (const e of v.env ?? []) {
    const m = /^([A-Za-z_][A-Za-z0-9_]*)=(.*)$/s.exec(e);
    if (!m) throw new UsageError(`--env: "${e}" is not NAME=VALUE`);
    env = { ...env, [m[1]]: m[2] };
  }
  return {
    blk,
    mac,
    env,
    imageModule: v["image-module"],
    wasm: v.wasm,
    netdev: tap ? "tap" : v.netdev as "user" | "none" | undefined,
    tap,
    net,
    hostfwd,
    hosts,
    sysproxy: v.sysproxy,
    image,
    seed,
    memBytes,
    epochMs,
    verbose: v.verbose ?? false,
    help: v.help ?? false,
    argv,
    ...parsePcapFlags(v.pcap ?? []),
    trace: v.trace,
    fault,
    nicFault,
    blkFault,
    checkDeterminism: v["check-determinism"] ?? false,
    record: v.record,
    replay: v.replay,
    realtime: v.realtime ?? false,
  };
}

/** Runs the CLI; returns the process exit status. */
export async function main(args: string[], c: Catalog): Promise<number> {
  let disk: HostDisk | null = null;
  let trace: TraceFile | null = null;
  let pcapFile = null as Deno.FsFile | null;
  const pcapFiles: Deno.FsFile[] = [];
  try {
    const o = parseCli(args, c);
    if (o.help) {
      console.log(usage(c));
      return 0;
    }
    const openPcap = () => {
      if (!o.pcap) return undefined;
      const f = pcapFile = openFlagFile(
        "--pcap",
        o.pcap,
        (p) => Deno.openSync(p, { write: true, create: true, truncate: true }),
      );
      return (b: Uint8Array) => void f.writeSync(b);
    };
    if (o.replay !== undefined) {
      if (o.record !== undefined || o.argv !== undefined || o.blk.length || o.checkDeterminism) {
        throw new UsageError(
          "--replay: takes only --trace and --pcap (the recording names its image and flags)",
        );
      }
      const rec = readRecording(o.replay);
      const img = await replayImage(rec, c, o.replay);
      if (o.trace) trace = openFlagFile("--trace", o.trace, openTraceFile);
      return await replayRecording(rec, img, c, o.replay, { trace, pcap: openPcap() });
    }
    const { image, name } = await chooseImage(o, c);
    checkImageFlags(o, image, name);
    const stdout = consoleSink();
    if (o.checkDeterminism) {
      const run = bootTwice(o, image);
      return await checkBootDeterminism(run, { console: stdout, pcap: o.pcap, trace: o.trace });
    }
    if (o.trace) trace = openFlagFile("--trace", o.trace, openTraceFile);
    if (o.blk.length) {
      try {
        disk = openHostDisks(image, name, o.blk);
        if (o.blkFault) disk = withDiskFaults(disk, o.blkFault, o.seed);
      } catch (e) {
        throw new UsageError(`--blk: ${(e as Error).message}`);
      }
    }
    if (isWorld(image) && o.sysproxy !== undefined) {
      throw new UsageError("--sysproxy: a world of several machines cannot serve clients");
    }
    if (isWorld(image)) {
      const r = await runWorld(image.machines, {
        seed: o.seed,
        memBytes: o.memBytes,
        epochMs: o.epochMs,
        console: stdout,
        pcap: openPcap(),
        pcapOf: pcapOfMachine(image, o.pcapOf, pcapFiles),
        fault: o.nicFault,
        trace: trace?.tracer,
      });
      return r.status;
    }
    const netdev = o.netdev ?? (image.config.net?.length ? "user" : "none");
    if ((netdev !== "none" || o.realtime || o.sysproxy) && o.epochMs !== undefined) {
      throw new UsageError("--epoch: realtime mode takes the host's time");
    }
    const pcap = openPcap();
    let single = disk?.image ?? image;
    if (o.env) {
      single = { ...single, config: { ...single.config, env: { ...single.config.env, ...o.env } } };
    }
    // An interactive image (a shell) with no app arguments reads stdin: a terminal, or
    // input that has a first byte (a pipe, a file), runs in realtime; input that is empty at
    // once (/dev/null) reaches the console as end of file in virtual time.
    let input: ReadableStream<Uint8Array> | null = null;
    let emptyInput = false;
    if (single.interactive === true && o.argv === undefined && !o.realtime) {
      if (Deno.stdin.isTerminal()) input = Deno.stdin.readable;
      else {
        input = await peekInput(Deno.stdin.readable);
        emptyInput = input === null;
      }
      if (input && o.epochMs !== undefined) {
        throw new UsageError("--epoch: an interactive run takes the host's time");
      }
    }
    const realtime = o.realtime || input !== null || o.sysproxy !== undefined;
    if (o.record !== undefined && netdev === "none" && !realtime) {
      throw new UsageError(
        "--record: a virtual-time run is a function of its seed (add --realtime)",
      );
    }
    if (netdev === "none" && !realtime) {
      const r = await runImage(single, {
        seed: o.seed,
        memBytes: o.memBytes,
        epochMs: o.epochMs,
        mode: "virtual",
        verbose: o.verbose,
        argv: o.argv,
        console: stdout,
        trace: trace?.tracer,
        onBoot: (b) => {
          disk?.attach(b.machine);
          if (emptyInput) b.kernel.consoleInput(null);
        },
      });
      return r.status;
    }
    const nd = await openNetdev(netdev, o, c, input);
    if (o.record !== undefined) {
      if (o.sysproxy !== undefined || disk) {
        throw new UsageError("--record: --sysproxy clients and --blk disks are not recorded");
      }
      const fwds = o.hostfwd ?? [parseHostfwd(DEFAULT_HOSTFWD)];
      return await recordRealtime(image, nd, o.record, {
        seed: o.seed,
        memBytes: o.memBytes,
        verbose: o.verbose,
        argv: o.argv ?? null,
        env: o.env ?? null,
        netdev: netdev === "user"
          ? { kind: "user", hostfwd: fwds, hosts: o.hosts ?? null }
          : netdev === "tap"
          ? { kind: "tap", name: o.tap!, net: o.net ?? null }
          : { kind: "none" },
        mac: o.mac ?? null,
        fault: o.nicFault ?? null,
        source: o.wasm !== undefined
          ? {
            kind: "wasm",
            path: Deno.realPathSync(o.wasm),
            sha256: await sha256Hex(Deno.readFileSync(o.wasm)),
          }
          : o.imageModule !== undefined
          ? { kind: "module", path: Deno.realPathSync(o.imageModule) }
          : { kind: "catalog" },
      }, {
        seed: o.seed,
        memBytes: o.memBytes,
        verbose: o.verbose,
        argv: o.argv,
        chain: { pcap, fault: o.nicFault, mac: o.mac },
        trace,
      });
    }
    const sysproxy = o.sysproxy !== undefined ? await openSysproxyFlag(o.sysproxy) : null;
    return await bootRealtime(single, nd, {
      sysproxy,
      seed: o.seed,
      memBytes: o.memBytes,
      verbose: o.verbose,
      argv: o.argv,
      chain: { pcap, fault: o.nicFault, mac: o.mac },
      disk,
      trace,
    });
  } catch (e) {
    console.error(`rumpsim: ${(e as Error).message.split("\n")[0]}`);
    return e instanceof UsageError ? 2 : 1;
  } finally {
    disk?.close();
    trace?.close();
    pcapFile?.close();
    for (const f of pcapFiles) f.close();
  }
}

/** Opens the file a flag names; a host refusal becomes one line naming the flag and file. */
function openFlagFile<T>(flag: string, path: string, open: (path: string) => T): T {
  try {
    return open(path);
  } catch (e) {
    const why = e instanceof Deno.errors.NotFound
      ? "no such directory"
      : e instanceof Deno.errors.NotCapable
      ? "not allowed to write there (this task cannot write files)"
      : e instanceof Deno.errors.PermissionDenied
      ? "permission denied"
      : e instanceof Deno.errors.IsADirectory
      ? "is a directory"
      : (e as Error).message.split("\n")[0];
    throw new UsageError(`${flag}: cannot write ${path}: ${why}`);
  }
}

/** The image the command line names: from the catalogue, or the user's own module. */
async function chooseImage(
  o: CliOptions,
  c: Catalog,
): Promise<{ image: Image | World; name: string }> {
  if (o.wasm !== undefined) {
    if (!c.wasmImage) throw new UsageError("--wasm: not linked into this bundle");
    const { wasmImage } = await c.wasmImage();
    return { image: wasmImage({ ...o, wasm: o.wasm }), name: "posix" };
  }
  if (o.imageModule === undefined) {
    return { image: await loadImage(c.images[o.image]), name: o.image };
  }
  const image = await loadImageModule(o.imageModule);
  return { image, name: image.name };
}

/**
 * Flags that mean nothing for the chosen image are errors before boot, each naming the flag:
 * a network flag on an image without a network, a realtime or host flag on a world (its
 * machines share one virtual clock), `--netdev none` where the image configures an interface.
 */
export function checkImageFlags(o: CliOptions, image: Image | World, name: string): void {
  if (isWorld(image)) {
    const bad = ([
      ["--realtime", o.realtime],
      ["--netdev", o.netdev !== undefined],
      ["--hostfwd", o.hostfwd !== undefined],
      ["--hosts", o.hosts !== undefined],
      ["--mac", o.mac !== undefined],
      ["--env", o.env !== undefined],
      ["--verbose", o.verbose],
      ["--blk", o.blk.length > 0],
      ["--", o.argv !== undefined],
    ] as const).find(([, given]) => given);
    if (bad) {
      throw new UsageError(
        `${bad[0]}: image "${name}" is a world of machines on one virtual clock; ` +
          `it takes --seed, --mem, --epoch, --pcap, --trace, --loss, --latency and --fault`,
      );
    }
    return;
  }
  if (o.pcapOf) {
    const name0 = Object.keys(o.pcapOf)[0];
    throw new UsageError(
      `--pcap ${name0}=...: image "${name}" is one machine; write --pcap FILE`,
    );
  }
  const nif = image.config.net?.[0];
  if (!nif) {
    const bad = ([
      ["--netdev user", o.netdev === "user"],
      ["--netdev tap", o.netdev === "tap"],
      ["--hostfwd", o.hostfwd !== undefined],
      ["--hosts", o.hosts !== undefined],
      ["--mac", o.mac !== undefined],
      ["--pcap", o.pcap !== undefined],
      ["--loss", o.fault?.loss !== undefined],
      ["--latency", o.fault?.latencyNs !== undefined],
      ["--fault", o.nicFault !== o.fault],
    ] as const).find(([, given]) => given);
    if (bad) throw new UsageError(`${bad[0]}: image "${name}" has no network`);
    return;
  }
  if (o.netdev === "none") {
    throw new UsageError(
      `--netdev none: image "${name}" configures ${nif.if} and its apps need a network ` +
        `(use --netdev user or tap:NAME)`,
    );
  }
}

/** The guest console's bytes on stdout: CRLF becomes LF unless stdout is a terminal. */
function consoleSink(): (b: Uint8Array) => void {
  const convert = Deno.stdout.isTerminal() ? null : crlfToLf();
  return (b) => {
    writeAll(convert ? convert(b) : b);
  };
}

/** The netdev factory for a realtime run, its module loaded on demand. */
async function openNetdev(
  kind: "user" | "tap" | "none",
  o: CliOptions,
  c: Catalog,
  input: ReadableStream<Uint8Array> | null,
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
  return noNetdev(input ?? Deno.stdin.readable);
}

/**
 * Waits for `input`'s first chunk: null at end of input (nothing to read), else a stream
 * that gives that chunk again and then the rest.
 */
async function peekInput(
  input: ReadableStream<Uint8Array>,
): Promise<ReadableStream<Uint8Array> | null> {
  const reader = input.getReader();
  const first = await reader.read();
  if (first.done) {
    reader.releaseLock();
    return null;
  }
  let head: Uint8Array | null = first.value;
  return new ReadableStream<Uint8Array>({
    async pull(ctl) {
      if (head) {
        ctl.enqueue(head);
        head = null;
        return;
      }
      const r = await reader.read();
      if (r.done) ctl.close();
      else ctl.enqueue(r.value);
    },
    cancel: (why) => reader.cancel(why),
  });
}

/** --sysproxy: binds the listener; a bad URL or a path in use is a UsageError. */
async function openSysproxyFlag(spec: string): Promise<SysproxyListener> {
  try {
    parseSysproxyUrl(spec);
    return await openSysproxy(spec);
  } catch (e) {
    throw new UsageError(`--sysproxy: ${(e as Error).message}`);
  }
}

/** `--pcap FILE` (once) and `--pcap NAME=FILE` (a world machine's, once per machine). */
function parsePcapFlags(
  flags: string[],
): { pcap: string | undefined; pcapOf: Record<string, string> | undefined } {
  let pcap: string | undefined;
  let pcapOf: Record<string, string> | undefined;
  for (const f of flags) {
    const m = /^([A-Za-z][\w-]*)=(.+)$/.exec(f);
    if (m) {
      if (pcapOf && Object.hasOwn(pcapOf, m[1])) {
        throw new UsageError(`--pcap: machine ${m[1]} given more than once`);
      }
      pcapOf = { ...pcapOf, [m[1]]: m[2] };
    } else if (pcap !== undefined) {
      throw new UsageError("--pcap: given more than once (one FILE; a world takes NAME=FILE each)");
    } else pcap = f;
  }
  return { pcap, pcapOf };
}

/** The per-machine captures of a world, each file opened now (a bad name is a usage error). */
function pcapOfMachine(
  world: World,
  named: Record<string, string> | undefined,
  opened: Deno.FsFile[],
): ((machine: string) => ((b: Uint8Array) => void) | undefined) | undefined {
  if (!named) return undefined;
  const names = world.machines.map((m) => m.name);
  const sinks = new Map<string, (b: Uint8Array) => void>();
  for (const [name, path] of Object.entries(named)) {
    if (!names.includes(name)) {
      throw new UsageError(
        `--pcap: image "${world.name}" has no machine ${name} (machines: ${names.join(", ")})`,
      );
    }
    const f = openFlagFile(
      "--pcap",
      path,
      (p) => Deno.openSync(p, { write: true, create: true, truncate: true }),
    );
    opened.push(f);
    sinks.set(name, (b) => void f.writeSync(b));
  }
  return (machine) => sinks.get(machine);
}
