/**
 * boot.ts — the command line's one realtime boot harness: a single-machine image on the
 * host's clock with its NIC on a netdev (netdev.ts: user, tap, none), until its last app
 * ends or Ctrl-C.
 *
 * In order: the netdev opens its host resources (a failure is one line, before boot); its
 * banner is printed; the machine boots with the disk and the trace; the netdev plugs the
 * NIC in; while the guest runs, the netdev announces where to connect as the guest starts
 * listening; Ctrl-C (SIGINT) halts the machine cleanly with status 0, SIGTERM with status
 * 143 (128 + 15, as a shell reports a process killed by it); either way the run ends
 * through its ordinary path, so the trace and pcap files are closed whole. Afterwards
 * stdout is flushed and the netdev, the signal handlers and the timer are released.
 *
 * Rules: the machine's wall clock is the host's (the caller refuses `--epoch`); every host
 * resource is released on every path out.
 */
import type { Image } from "../kernel/syscall/image.ts";
import type { PcbInfo } from "../net/netinet_init.ts";
import type { Booted } from "../rumprun/boot.ts";
import { runImage } from "../rumprun/run.ts";
import { hostRealtime } from "../host/realtime.ts";
import { machineHostWork } from "../platform/hw/host_idle.ts";
import { type HostIo, liveIo } from "./record.ts";
import type { HostDisk } from "./blk.ts";
import { batchedStdout } from "./console.ts";
import type { ChainFlags, RealtimeNetdev } from "./netdev.ts";
import type { TraceFile } from "./trace.ts";
import type { SysproxyListener } from "./sysproxy.ts";

/** What a realtime run takes from the command line. */
export interface RealtimeRun {
  seed: number;
  memBytes: number;
  verbose: boolean;
  argv: string[] | undefined;
  chain: Omit<ChainFlags, "seed">;
  disk: HostDisk | null;
  trace: TraceFile | null;
  /** --sysproxy: the listener remote clients connect to (sysproxy.ts), already bound. */
  sysproxy?: SysproxyListener | null;
  /**
   * The host the run talks to: live (the default), or a recording's or a replay's
   * (record.ts). A replay announces nothing (it listens on no host port).
   */
  io?: HostIo;
}

/**
 * How often the harness asks the netdev whether the guest listens yet (host ms): often
 * during the first second after boot, when servers start, then seldom (a netdev that
 * announces every new listener, the tap's, is never done: at 2 ms the checks alone kept
 * an idle machine at ~5% of a core).
 */
const ANNOUNCE_MS = 2;
const ANNOUNCE_FAST_FOR_MS = 1000;
const ANNOUNCE_SLOW_MS = 250;

/** Boots `image` in realtime on `netdev`; returns the exit status. */
export async function bootRealtime(
  image: Image,
  netdev: RealtimeNetdev,
  r: RealtimeRun,
): Promise<number> {
  const opened = netdev.open(image);
  image = opened.image;
  const out = batchedStdout();
  let booted: Booted | null = null;
  let signalled: number | null = null;
  const io = r.io ?? liveIo(hostRealtime());
  /** (event loop) A signal halts the run through its ordinary path. */
  const stop = (why: string) => {
    if (!booted) return;
    out.flush();
    console.log(`\nrumpsim: ${why}, halting`);
    netdev.interrupt?.();
    signalled ??= why === "terminated" ? 143 : 0;
    booted.machine.halt(why);
  };
  // A signal enters as host input: posted, so a recording logs its place.
  const onSignal = (why: string) => () => {
    if (booted) machineHostWork(booted.machine).post(() => io.signal(why, stop));
  };
  const onSigint = onSignal("interrupted");
  const onSigterm = onSignal("terminated");
  Deno.addSignalListener("SIGINT", onSigint);
  Deno.addSignalListener("SIGTERM", onSigterm);
  let watch: ReturnType<typeof setTimeout> | undefined;
  try {
    if (opened.banner) console.log(opened.banner);
    const result = await runImage(image, {
      seed: r.seed,
      memBytes: r.memBytes,
      mode: "realtime",
      host: io.time,
      verbose: r.verbose,
      argv: r.argv,
      console: out.write,
      trace: r.trace?.tracer,
      onBoot: (b) => {
        r.disk?.attach(b.machine);
        booted = b;
        io.booted(b.machine, stop);
        // Before the netdev: a netdev's host-aware idle policy replaces sysproxy's.
        r.sysproxy?.attach(b, (line) => {
          out.flush();
          console.log(line);
        });
        netdev.attach(b, { seed: r.seed, ...r.chain }, r.trace?.tracer, io);
        if (!netdev.announce || io.replay) return;
        // Say where to connect once the guest listens (checked on the host's clock). The
        // PCB list is read only when a listener started or stopped since the last look.
        let listenGen: unknown = -1;
        const bootedAt = performance.now();
        const look = (): boolean => {
          const gen = b.kernel.sysctl.read("net.inet.tcp.listengen");
          if (gen !== undefined && gen === listenGen) return false;
          listenGen = gen;
          const pcbs = b.kernel.sysctl.read("net.inet.pcblist") as PcbInfo[] | undefined;
          const { lines, done } = netdev.announce!(pcbs ?? []);
          if (lines.length) {
            out.flush();
            for (const l of lines) console.log(l);
          }
          return done;
        };
        const tick = () => {
          if (look()) return;
          const fast = performance.now() - bootedAt < ANNOUNCE_FAST_FOR_MS;
          watch = setTimeout(tick, fast ? ANNOUNCE_MS : ANNOUNCE_SLOW_MS);
        };
        watch = setTimeout(tick, ANNOUNCE_MS);
      },
    });
    return signalled ?? result.status;
  } finally {
    out.flush();
    clearTimeout(watch);
    Deno.removeSignalListener("SIGINT", onSigint);
    Deno.removeSignalListener("SIGTERM", onSigterm);
    await r.sysproxy?.close();
    await netdev.close();
  }
}
