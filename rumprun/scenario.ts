/**
 * scenario.ts — simulation scenarios: machines on links with faults, a schedule of events
 * in virtual time, and invariants checked during and at the end of the run (turmoil's and
 * madsim's surface, on rumpsim's machines).
 *
 *   export default defineScenario({
 *     name: "echo-partition",
 *     machines: [{ name: "server", image: server, wait: false }, { name: "client", image: client }],
 *     links: [{ kind: "wire", machines: ["server", "client"], fault: { loss: 0.01 } }],
 *     schedule: (r) => [{ at: r.between(1e9, 5e9), do: "partition", machines: ["server"] },
 *                       { at: 6e9, do: "heal", machines: ["server"] }],
 *     invariants: [exitStatus("client", 0)],
 *     timeLimitNs: 60e9,
 *   });
 *
 * A run (`runScenario(s, { seed })`) boots every machine on one scheduler (machine i with
 * seed `seed + i`; its console lines prefixed by its name), plugs each NIC through the NIC
 * chain (pcap at the captured machine, a fault filter at every NIC, from the seed's
 * "scenario-fault/NAME/BOOT" stream) into its link (a wire of two, or a learning switch), and
 * runs until every machine it waits for has exited (`wait`, default true), or the virtual
 * time limit (default 600 s), whichever is first. Invariants marked `everyNs` are checked
 * on that period too; the first failure ends the run.
 *
 * Events: partition/heal (cut a machine's cable, one direction or both), fault (replace a
 * machine's or a link's NIC faults), crash (the machine's CPU stops, its cable is cut, its
 * disks refuse I/O; its console stays quiet), restart (a fresh machine with the same name,
 * MAC and disks boots on the same port with seed `seed + i + 1000 × boots`), disk (replace
 * a disk's faults: EIO ranges, torn writes), and call (any function of the running world).
 *
 * Rules: nothing here reads host time or host randomness; the schedule's randomness comes
 * from the seed's "schedule" stream, so a seed names one run exactly. A crashed machine's
 * threads, its interrupt thread included, are destroyed where they stand (Scheduler.kill):
 * none runs again and nothing of them is unwound; its CPU takes no interrupt, its NIC's
 * frames are dropped, its disks fail every request.
 */
import type { Machine } from "../arch/machine.ts";
import { type FaultFilter, type FaultSpec, validateFaultConfig } from "../arch/netdev/fault.ts";
import { faultDirections } from "../arch/netdev/fault.ts";
import { Switch } from "../arch/netdev/switch.ts";
import { Wire } from "../arch/netdev/wire.ts";
import type { Netdev } from "../arch/netdev/netdev.ts";
import { attachVirtioBlk } from "../arch/virtio/attach.ts";
import type { VirtioNet } from "../arch/virtio/net.ts";
import { type BlkBackend, MemBlkBackend } from "../arch/virtio/blk.ts";
import { type BlkFaultConfig, FaultyBlkBackend } from "../arch/virtio/blk_fault.ts";
import { type Fiber, Prng, type RunResult, Scheduler, type Tracer } from "../sched/mod.ts";
import type { Image } from "../kernel/syscall/image.ts";
import type { Booted } from "./boot.ts";
import { bootWorldMachine, worldIdle } from "./world.ts";
import { fmtNs } from "./scenario_invariants.ts";

// The common invariants live in scenario_invariants.ts; a scenario imports them from here.
export {
  consoleMatches,
  consoleNever,
  diskBytes,
  exitStatus,
  fileContent,
  fmtNs,
  readDiskFile,
  sysctlAtMost,
} from "./scenario_invariants.ts";

export interface ScenarioDisk {
  /** Size in 512-byte sectors (a zeroed disk), unless `bytes` is given. */
  sectors?: number;
  /** The disk's initial content (copied per run). */
  bytes?: Uint8Array;
  /** Faults from the start. */
  fault?: BlkFaultConfig;
}

export interface ScenarioMachine {
  name: string;
  image: Image;
  /** Default 52:54:00:00:HH:LL from the machine's index + 1. */
  mac?: string;
  /** Whether the run waits for this machine's apps to end (default true). */
  wait?: boolean;
  /** virtio-blk disks (ld0, ld1, ...): in memory, kept across a crash and restart. */
  disks?: ScenarioDisk[];
  /** Faults at this machine's NIC (instead of its link's). */
  fault?: FaultSpec;
  /** Guest RAM in bytes (default: the scenario's, else 64 MiB). */
  memBytes?: number;
}

export interface ScenarioLink {
  name?: string;
  kind: "wire" | "switch";
  machines: string[];
  /** A wire's latency, ns (default 50 µs). */
  latencyNs?: number;
  /** Faults at every member's NIC (tx: from the machine; rx: to it). */
  fault?: FaultSpec;
}

export type ScenarioEvent =
  & { at: number }
  & (
    | { do: "partition" | "heal"; machines: string[]; dir?: "tx" | "rx" }
    | { do: "fault"; machine?: string; link?: string; fault: FaultSpec }
    | { do: "crash" | "restart"; machine: string }
    | { do: "disk"; machine: string; disk?: number; fault: BlkFaultConfig }
    | { do: "call"; name: string; fn: (w: ScenarioWorld) => void }
  );

/** An invariant: `check` returns null when it holds, else why not (one line). */
export interface Invariant {
  name: string;
  /** Also checked every `everyNs` of virtual time during the run (else only at the end). */
  everyNs?: number;
  check(w: ScenarioWorld): string | null;
}

/** The randomness a schedule may use: the seed's "schedule" stream. */
export interface ScheduleRandom {
  /** A whole number in [lo, hi). */
  between(lo: number, hi: number): number;
  /** True with probability p. */
  chance(p: number): boolean;
}

export interface Scenario {
  name: string;
  description?: string;
  machines: ScenarioMachine[];
  /** Default: one link with every machine (a wire for two, a switch for more). */
  links?: ScenarioLink[];
  schedule?: ScenarioEvent[] | ((r: ScheduleRandom) => ScenarioEvent[]);
  invariants?: Invariant[];
  /** Virtual time at which the run stops (default 600 s). */
  timeLimitNs?: number;
  /** The machine whose NIC the capture sees (default the first). */
  capture?: string;
  /** Guest RAM of each machine in bytes (default 64 MiB). */
  memBytes?: number;
}

/** Checks a scenario's shape; throws an Error with one line naming the first problem. */
export function defineScenario(s: Scenario): Scenario {
  validateScenario(s);
  return s;
}

export function validateScenario(s: Scenario): void {
  const bad = (why: string) => {
    throw new Error(`scenario ${s.name ?? "?"}: ${why}`);
  };
  if (!s.name || typeof s.name !== "string") bad("has no name");
  if (!Array.isArray(s.machines) || s.machines.length === 0) bad("has no machines");
  const names = new Set<string>();
  for (const m of s.machines) {
    if (!m.name || names.has(m.name)) bad(`machine name "${m.name}" is empty or repeated`);
    names.add(m.name);
    if (m.fault) {
      for (const c of Object.values(faultDirections(m.fault))) validateFaultConfig(c);
    }
  }
  const linked = new Set<string>();
  for (const l of s.links ?? []) {
    for (const n of l.machines) {
      if (!names.has(n)) bad(`link ${l.name ?? l.kind}: no machine "${n}"`);
      if (linked.has(n)) bad(`machine "${n}" is on two links (one NIC per machine)`);
      linked.add(n);
    }
    if (l.kind === "wire" && l.machines.length !== 2) bad(`a wire joins two machines`);
  }
  if (s.capture !== undefined && !names.has(s.capture)) bad(`capture: no machine "${s.capture}"`);
  if (s.timeLimitNs !== undefined && !(s.timeLimitNs > 0)) bad("timeLimitNs must be positive");
}

export interface ScenarioOptions {
  seed?: number;
  epochMs?: number;
  /** Every machine's console, each line prefixed by its name. */
  console?: (bytes: Uint8Array) => void;
  /** libpcap bytes at the captured machine's NIC. */
  pcap?: (bytes: Uint8Array) => void;
  trace?: Tracer;
  /** Guest RAM of every machine that does not set its own (replaces the scenario's). */
  memBytes?: number;
  /** Replaces the scenario's time limit. */
  timeLimitNs?: number;
}

export interface ScenarioOutcome {
  name: string;
  seed: number;
  passed: boolean;
  /** "invariant: why" lines, in the order found. */
  failures: string[];
  /** What ended the run: every awaited machine exited, the time limit, or a halt. */
  endedBy: "apps" | "time-limit" | "invariant" | "halt" | "deadlock";
  /** Virtual time at the end, ns. */
  virtualNs: number;
  /** Exit status of each machine's last boot (null: still running). */
  status: Record<string, number | null>;
  result: RunResult;
}

/** One machine of a running scenario. */
export interface ScenarioNode {
  readonly name: string;
  readonly index: number;
  /** The current boot (a restart replaces it). */
  booted: Booted;
  /** The fault filter at its NIC (null: no link). */
  fault: FaultFilter | null;
  /** Its virtio-net NIC (null: no link). */
  nic: VirtioNet | null;
  disks: FaultyBlkBackend[];
  /** The memory behind each disk (survives restarts). */
  media: MemBlkBackend[];
  /** Exit status of the current boot; null while it runs. */
  status: number | null;
  crashed: boolean;
  boots: number;
  /** Console text of every boot (CR LF as LF). */
  console: string;
}

/** The running world a schedule's `call` and the invariants see. */
export interface ScenarioWorld {
  readonly sched: Scheduler;
  readonly seed: number;
  node(name: string): ScenarioNode;
  readonly nodes: readonly ScenarioNode[];
  /** A kernel's sysctl value (`net.inet.tcp.stats`, ...) on a running machine. */
  sysctl(machine: string, name: string): unknown;
  /** Virtual time now, ns. */
  now(): number;
}

const DEFAULT_LIMIT_NS = 600e9;

function defaultMac(i: number): string {
  const n = i + 1;
  return `52:54:00:00:${((n >> 8) & 0xff).toString(16).padStart(2, "0")}:${
    (n & 0xff).toString(16).padStart(2, "0")
  }`;
}

/** Refuses every request: the disks of a crashed machine's old boot. */
class DeadDisk implements BlkBackend {
  constructor(readonly inner: BlkBackend) {}
  get sectors() {
    return this.inner.sectors;
  }
  get readOnly() {
    return this.inner.readOnly;
  }
  dead = false;
  read(s: number, b: Uint8Array): void {
    if (this.dead) throw new Error("machine crashed");
    this.inner.read(s, b);
  }
  write(s: number, d: Uint8Array): void {
    if (this.dead) throw new Error("machine crashed");
    this.inner.write(s, d);
  }
  flush(): void {
    if (this.dead) throw new Error("machine crashed");
    this.inner.flush();
  }
}

/** Runs scenario `s` once with `opts.seed`; resolves with what happened. */
export async function runScenario(
  s: Scenario,
  opts: ScenarioOptions = {},
): Promise<ScenarioOutcome> {
  validateScenario(s);
  const seed = (opts.seed ?? 1) >>> 0;
  const sched = new Scheduler();
  if (opts.trace) sched.setTracer(opts.trace);
  const prng = new Prng(seed);
  const links = s.links ?? [{
    kind: s.machines.length === 2 ? "wire" as const : "switch" as const,
    machines: s.machines.map((m) => m.name),
  }];
  // Each machine's medium and its link's faults.
  const medium = new Map<string, { netdev: Netdev; link: ScenarioLink }>();
  for (const l of links) {
    if (l.kind === "wire") {
      const w = new Wire(sched, { latencyNs: l.latencyNs ?? 50_000 });
      medium.set(l.machines[0], { netdev: w.a, link: l });
      medium.set(l.machines[1], { netdev: w.b, link: l });
    } else {
      const sw = new Switch(sched, l.machines.length);
      l.machines.forEach((n, i) => medium.set(n, { netdev: sw.port(i), link: l }));
    }
  }
  const capture = s.capture ?? s.machines[0].name;
  const machines: Machine[] = [];
  const nodes: ScenarioNode[] = [];
  const byName = new Map<string, ScenarioNode>();
  const failures: string[] = [];
  let endedBy: ScenarioOutcome["endedBy"] | null = null;
  const dec = new TextDecoder();
  const stop = (why: ScenarioOutcome["endedBy"], reason: string) => {
    endedBy ??= why;
    sched.halt(reason);
  };
  const waited = s.machines.filter((m) => m.wait !== false).map((m) => m.name);
  const checkDone = () => {
    // With no machine awaited, only the time limit (or a halt) ends the run.
    if (waited.length && waited.every((n) => byName.get(n)!.status !== null)) {
      stop("apps", "scenario: apps exited");
    }
  };

  // Per boot: whether it crashed (its console, disks and exit are then ignored).
  const life = new Map<ScenarioNode, { dead: boolean; gates: DeadDisk[] }>();
  const bootNode = (spec: ScenarioMachine, index: number, old: ScenarioNode | null) => {
    const boots = old ? old.boots + 1 : 0;
    const med = medium.get(spec.name);
    const fault = spec.fault ?? med?.link.fault ?? {};
    const media = old?.media ??
      (spec.disks ?? []).map((d) =>
        d.bytes ? new MemBlkBackend(d.bytes.slice()) : MemBlkBackend.zeroed(d.sectors ?? 2048)
      );
    const gates = media.map((m) => new DeadDisk(m));
    const disks = gates.map((g, i) =>
      new FaultyBlkBackend(
        g,
        prng.fork(`disk/${spec.name}/${i}/${boots}`),
        old?.disks[i]?.config() ?? spec.disks?.[i].fault ?? {},
      )
    );
    const me = { dead: false, gates };
    const n: ScenarioNode = old ?? {
      name: spec.name,
      index,
      booted: null as unknown as Booted,
      fault: null,
      nic: null,
      disks,
      media,
      status: null,
      crashed: false,
      boots,
      console: "",
    };
    let text = n.console;
    const { booted, chain } = bootWorldMachine(sched, {
      name: spec.name,
      image: spec.image,
      mac: spec.mac ?? defaultMac(index),
    }, {
      seed: (seed + index + 1000 * boots) >>> 0,
      memBytes: spec.memBytes ?? opts.memBytes ?? s.memBytes,
      epochMs: opts.epochMs,
      console: (b) => {
        if (me.dead) return; // a crashed machine prints nothing more
        opts.console?.(b);
        text += dec.decode(b, { stream: true });
        n.console = text.replaceAll("\r\n", "\n");
      },
      medium: med?.netdev,
      label: med?.link.kind,
      fault,
      faultPrng: prng.fork(`scenario-fault/${spec.name}/${boots}`),
      pcap: spec.name === capture && boots === 0 ? opts.pcap : undefined,
      threadPrefix: boots ? `${spec.name}#${boots}.` : `${spec.name}.`,
      onExit: (m, reason) => {
        m.cpu.stop(reason);
        if (me.dead) return;
        const st = n.booted.user.exitStatus;
        n.status = st === null ? 1 : st < 0 ? 255 : st & 0xff;
        m.uart.flush();
        checkDone();
      },
      beforeBoot: (m) =>
        disks.forEach((backend, i) =>
          void attachVirtioBlk(m, {
            backend,
            slot: 4 + i,
            irq: [10, 9, 5, 15][i],
            latencyNs: backend.config().latencyNs,
          })
        ),
    });
    Object.assign(n, {
      booted,
      fault: chain?.fault ?? null,
      nic: chain?.nic ?? null,
      disks,
      status: null,
      boots,
    });
    n.crashed = false;
    life.set(n, me);
    // The idle policy sees every machine ever booted (a crashed one's CPU takes nothing).
    machines.push(booted.machine);
    return n;
  };

  s.machines.forEach((spec, i) => {
    if ((spec.disks?.length ?? 0) > 4) throw new Error(`scenario ${s.name}: at most 4 disks`);
    const n = bootNode(spec, i, null);
    nodes.push(n);
    byName.set(spec.name, n);
  });
  // A schedule's event may start threads without an interrupt (a restart, a call).
  let kicked = false;
  const idle = worldIdle(machines, () => {
    const k = kicked;
    kicked = false;
    return k;
  });
  sched.idle = idle;

  const world: ScenarioWorld = {
    sched,
    seed,
    nodes,
    node(name) {
      const n = byName.get(name);
      if (!n) throw new Error(`scenario ${s.name}: no machine "${name}"`);
      return n;
    },
    sysctl: (m, name) => world.node(m).booted.kernel.sysctl.read(name),
    now: () => sched.clock.now(),
  };

  const rng = prng.fork("schedule");
  const random: ScheduleRandom = {
    between: (lo, hi) => lo + rng.below(Math.max(1, hi - lo)),
    chance: (p) => rng.next() < p,
  };
  const schedule = typeof s.schedule === "function" ? s.schedule(random) : s.schedule ?? [];
  /** Crashed machines waiting for their restart: the fiber that stands for each. */
  const down = new Map<ScenarioNode, Fiber>();
  const apply = (e: ScenarioEvent) => {
    kicked = true;
    switch (e.do) {
      case "partition":
      case "heal":
        for (const m of e.machines) {
          const f = world.node(m).fault;
          if (f) e.do === "partition" ? f.partition(e.dir) : f.heal(e.dir);
        }
        return;
      case "fault": {
        const targets = e.machine ? [e.machine] : links.find((l) => l.name === e.link)?.machines;
        if (!targets) throw new Error(`scenario ${s.name}: fault: no link "${e.link}"`);
        const d = faultDirections(e.fault);
        for (const m of targets) {
          const f = world.node(m).fault;
          f?.configure("tx", d.tx);
          f?.configure("rx", d.rx);
        }
        return;
      }
      case "crash": {
        const n = world.node(e.machine);
        if (n.crashed) return;
        n.crashed = true;
        const l = life.get(n)!;
        l.dead = true;
        for (const g of l.gates) g.dead = true;
        n.booted.machine.uart.flush();
        n.booted.machine.cpu.stop("crashed");
        n.booted.intr.destroy();
        n.booted.user.destroyThreads();
        // The machine is down, not gone: the run waits for its restart or the time limit
        // as it waits for a running machine (a fiber that never wakes stands for it).
        down.set(
          n,
          sched.spawn(`${e.machine}.down`, function* () {
            sched.prepareBlock(undefined, "crashed");
            yield* sched.block();
          }),
        );
        n.fault?.partition();
        n.console += `[${e.machine} crashed at ${fmtNs(sched.clock.now())}]\n`;
        return;
      }
      case "restart": {
        const n = world.node(e.machine);
        if (!n.crashed) {
          apply({ at: e.at, do: "crash", machine: e.machine });
        }
        sched.kill(down.get(n)!);
        down.delete(n);
        bootNode(s.machines[n.index], n.index, n);
        sched.idle = idle; // a boot installs its own machine's idle policy
        return;
      }
      case "disk": {
        const d = world.node(e.machine).disks[e.disk ?? 0];
        if (!d) throw new Error(`scenario ${s.name}: ${e.machine} has no disk ${e.disk ?? 0}`);
        d.configure(e.fault);
        return;
      }
      case "call":
        e.fn(world);
        return;
    }
  };
  for (const e of [...schedule].sort((a, b) => a.at - b.at)) {
    if (!(e.at >= 0 && Number.isFinite(e.at))) {
      throw new Error(`scenario ${s.name}: event ${e.do} at ${e.at} is not a time`);
    }
    sched.events.at(Math.round(e.at), () => apply(e));
  }

  const checkAll = (list: Invariant[]) => {
    for (const inv of list) {
      let why: string | null;
      try {
        why = inv.check(world);
      } catch (err) {
        why = `threw ${(err as Error).message}`;
      }
      if (why !== null) failures.push(`${inv.name}: ${why}`);
    }
  };
  for (const inv of s.invariants ?? []) {
    if (!inv.everyNs) continue;
    const tick = (at: number) =>
      sched.events.at(at, () => {
        const before = failures.length;
        checkAll([inv]);
        if (failures.length > before) stop("invariant", `invariant ${inv.name} failed`);
        else tick(at + inv.everyNs!);
      });
    tick(inv.everyNs);
  }
  const limit = opts.timeLimitNs ?? s.timeLimitNs ?? DEFAULT_LIMIT_NS;
  sched.events.at(limit, () => stop("time-limit", "scenario: time limit"));

  const result = await sched.run();
  for (const n of nodes) n.booted.machine.uart.flush();
  // (set by the closures above while the scheduler ran)
  const ended: ScenarioOutcome["endedBy"] = (endedBy as ScenarioOutcome["endedBy"] | null) ??
    (result.kind === "deadlock" ? "deadlock" : "halt");
  endedBy = ended;
  if (ended === "halt" && result.kind === "halted") {
    failures.push(`run: halted: ${result.reason}`);
  }
  if (ended === "deadlock" && result.kind === "deadlock") {
    failures.push(`run: deadlock (${result.blocked.map((b) => b.name).join(", ")} blocked)`);
  }
  if (ended !== "invariant") {
    checkAll(s.invariants ?? []);
  }
  const status: Record<string, number | null> = {};
  for (const n of nodes) status[n.name] = n.status;
  return {
    name: s.name,
    seed,
    passed: failures.length === 0,
    failures,
    endedBy: ended,
    virtualNs: sched.clock.now(),
    status,
    result,
  };
}
