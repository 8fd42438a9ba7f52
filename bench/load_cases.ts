/**
 * load_cases.ts — issue 11's "Done when" cases, run against the default (httpd) image
 * booted as users boot it (`main.ts`, its own process), once through hostfwd (the user
 * netdev, 127.0.0.1) and once through a tap device, and judged against their thresholds:
 *
 *   (a) flood    a client is answered within a second during a SYN flood: spoofed SYNs
 *                from silent sources (_syn_flood.ts; a first flood fills the SYN cache,
 *                curl asks while a second one runs). Through a tap they reach the guest;
 *                through hostfwd they reach the host's listener on 127.0.0.1, which is what
 *                a hostfwd user exposes (the SYN-ACKs to the spoofed sources leave through
 *                a tun nobody reads, rsflood0, so each SYN is a half-open connection):
 *                Linux holds them (its SYN queue, then cookies); the gateway sees none.
 *   (a2) connection flood (hostfwd, not one of the issue's cases): host connections, each
 *                opened and closed at once from 256 loops, each of which the gateway
 *                relays to the guest as a whole connection; curl asks meanwhile.
 *   (b) idle     N idle connections (never a byte) held open, then a curl is answered.
 *   (c) churn rate  three back-to-back no-keep-alive `ab -c 10` runs of S seconds keep
 *                their rate within 20% of each other (Deno.serve's three runs beside it).
 *   (d) idle CPU  after C closed connections (ab without keep-alive), the simulator's CPU
 *                over the next 10 s (utime + stime in /proc/PID/stat, every thread) is near
 *                zero (< 5% of a core; the same process idle at boot is printed beside it),
 *                and one new request's handshake (tap) or whole answer (hostfwd) is < 10 ms.
 *   (e) tx drops `ab -k -c 32` on /big.bin (256 KiB): the guest's ip.odropped and vioif0's
 *                oerrors (a frame the driver refused: its send queue full) do not move.
 *   (f) memory   guest kmem in use, sockets and TCP PCBs, and the simulator's JS heap after
 *                a full GC (through --inspect), at a warmed-up baseline, at the peak and
 *                after the TIME-WAITs expired: the kernel's counts return to the baseline
 *                and the heap to within 10% of it. RSS is reported, not judged (V8 keeps
 *                pages it grew to).
 *
 *   sudo deno run -A bench/load_cases.ts [--paths hostfwd,tap] [--secs 15] [--churn 20000]
 *                                        [--idle 1000] [--syns 20000] [--cases a,a2,b,c,d,e,f]
 *
 * The guest's counters are read with sysctl over --sysproxy (a unix socket) by a bare
 * client (_sysproxy_client.ts). The machine's load average is printed beside each case:
 * the machine may be shared. The tap path needs root, /dev/net/tun, `ip` and python3; the
 * tap (rsload0: the host 10.0.9.1/24, the guest 10.0.9.2) is made by the simulator and goes
 * away with it; without root that path is skipped and said so. Needs ab and curl.
 */
import { parseArgs } from "node:util";
import { ab, cpuSeconds, rssMiB, spawnNativeHello, waitFor } from "./_host_proc.ts";
import { synFlood } from "./_syn_flood.ts";
import { type BenchClient, sysproxyClient } from "./_sysproxy_client.ts";

const ROOT = new URL("..", import.meta.url).pathname;
const DENO = Deno.execPath();
const { values: opts } = parseArgs({
  args: Deno.args,
  options: {
    paths: { type: "string", default: "hostfwd,tap" },
    secs: { type: "string", default: "15" },
    churn: { type: "string", default: "20000" },
    idle: { type: "string", default: "1000" },
    syns: { type: "string", default: "20000" },
    cases: { type: "string", default: "a,a2,b,c,d,e,f" },
  },
});
const CASES = new Set(opts.cases!.split(","));
const PATHS = opts.paths!.split(",");
const SECS = Number(opts.secs);
const CHURN = Number(opts.churn);
const IDLE = Number(opts.idle);
const SYNS = Number(opts.syns);
if (
  PATHS.some((p) => p !== "hostfwd" && p !== "tap") || !(SECS > 0) || !(CHURN > 0) ||
  !(IDLE >= 0) || !(SYNS > 0)
) {
  console.error(
    "load_cases: usage: load_cases.ts [--paths hostfwd,tap] [--secs S] [--churn N] [--idle N] [--syns N]",
  );
  Deno.exit(2);
}

const HOSTFWD_PORT = 18093;
const NATIVE_PORT = 18094;
const INSPECT_PORT = 19239;
const TAP = "rsload0";
const TAP_HOST = "10.0.9.1";
const TAP_GUEST = "10.0.9.2";
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function sh(cmd: string, ...args: string[]): Promise<{ ok: boolean; out: string }> {
  try {
    const o = await new Deno.Command(cmd, { args, stdout: "piped", stderr: "piped" }).output();
    const d = new TextDecoder();
    return { ok: o.success, out: d.decode(o.stdout) + d.decode(o.stderr) };
  } catch (e) {
    return { ok: false, out: String(e) };
  }
}

/** The 1-minute load average (others may share the machine). */
async function load(): Promise<string> {
  return (await Deno.readTextFile("/proc/loadavg")).split(" ")[0];
}

/** curl's status, seconds to connect and seconds in all for `url` (20 s at most). */
async function curl(url: string): Promise<{ code: number; connect: number; total: number }> {
  const r = await sh(
    "curl",
    "-s",
    "-m",
    "20",
    "-o",
    "/dev/null",
    "-w",
    "%{http_code} %{time_connect} %{time_total}",
    url,
  );
  const [code, connect, total] = r.out.trim().split(" ").map(Number);
  return { code: code || 0, connect: connect ?? 0, total: total ?? 0 };
}

/**
 * Jiffies the hypervisor took from this machine's CPUs so far (the steal column of
 * /proc/stat's cpu line), and all jiffies: a slow run beside a steal spike is the machine's.
 */
async function cpuStat(): Promise<{ steal: number; all: number }> {
  const f = (await Deno.readTextFile("/proc/stat")).split("\n")[0].trim().split(/\s+/).slice(1);
  const n = f.map(Number);
  return { steal: n[7] ?? 0, all: n.slice(0, 8).reduce((a, b) => a + b, 0) };
}

/** CPU seconds (utime + stime) of process `pid`'s main thread (the simulator's JS). */
async function mainThreadCpu(pid: number): Promise<number> {
  try {
    const f = await Deno.readTextFile(`/proc/${pid}/task/${pid}/stat`);
    const fields = f.slice(f.lastIndexOf(")") + 2).split(" ");
    return (Number(fields[11]) + Number(fields[12])) / 100;
  } catch {
    return NaN;
  }
}

// --- the simulator, its counters and its heap -------------------------------------------

interface Sim {
  path: "hostfwd" | "tap";
  proc: Deno.ChildProcess;
  /** Host and port clients connect to. */
  host: string;
  port: number;
  url: string;
  kc: BenchClient;
  sock: string;
}

async function boot(path: "hostfwd" | "tap"): Promise<Sim> {
  const sock = `/tmp/rsload-${Deno.pid}.sock`;
  const net = path === "hostfwd"
    ? ["--hostfwd", `tcp:127.0.0.1:${HOSTFWD_PORT}-:80`]
    : ["--netdev", `tap:${TAP}`, "--net", `${TAP_GUEST}/24`];
  const proc = new Deno.Command(DENO, {
    args: [
      "run",
      "-A",
      `--inspect=127.0.0.1:${INSPECT_PORT}`,
      "main.ts",
      "--sysproxy",
      `unix:${sock}`,
      ...net,
    ],
    cwd: ROOT,
    stdout: "null",
    stderr: "null",
  }).spawn();
  const host = path === "hostfwd" ? "127.0.0.1" : TAP_GUEST;
  const port = path === "hostfwd" ? HOSTFWD_PORT : 80;
  if (path === "tap") {
    for (let i = 0; i < 200 && !(await sh("ip", "link", "show", TAP)).ok; i++) await sleep(50);
    await sh("ip", "addr", "add", `${TAP_HOST}/24`, "dev", TAP);
    await sh("ip", "link", "set", TAP, "up");
  }
  const url = `http://${host}:${port}/hello.txt`;
  await waitFor(url, 2000, 10);
  let conn: Deno.Conn | null = null;
  for (let i = 0; i < 200 && !conn; i++) {
    conn = await Deno.connect({ transport: "unix", path: sock }).catch(() => null);
    if (!conn) await sleep(25);
  }
  if (!conn) throw new Error(`no sysproxy socket at ${sock}`);
  return { path, proc, host, port, url, kc: await sysproxyClient(conn), sock };
}

async function halt(sim: Sim): Promise<void> {
  sim.kc.close();
  sim.proc.kill("SIGINT");
  await sim.proc.status;
}

type Stats = Record<string, number>;

/** The guest's counters that the cases judge. */
async function guest(sim: Sim) {
  const ifs = await sim.kc.sysctl("net.interfaces") as { name: string; oerrors: number }[];
  const pcbs = await sim.kc.sysctl("net.inet.pcbcount") as Stats;
  return {
    ip: await sim.kc.sysctl("net.inet.ip.stats") as Stats,
    tcp: await sim.kc.sysctl("net.inet.tcp.stats") as Stats,
    oerrors: ifs.find((i) => i.name === "vioif0")?.oerrors ?? NaN,
    kmem: (await sim.kc.sysctl("kern.malloc") as { inuse: number }).inuse,
    sockets: await sim.kc.sysctl("net.sockets") as number,
    pcbs: pcbs.tcp,
    orphans: pcbs.tcpOrphans,
  };
}

/** The simulator's JS heap in use after a full GC, through its inspector (MiB). */
async function heapMiB(): Promise<number> {
  const list = await (await fetch(`http://127.0.0.1:${INSPECT_PORT}/json/list`)).json();
  const ws = new WebSocket(list[0].webSocketDebuggerUrl);
  await new Promise((r, j) => {
    ws.onopen = r;
    ws.onerror = j;
  });
  let id = 0;
  const waiting = new Map<number, (v: { result: Record<string, number> }) => void>();
  ws.onmessage = (e) => {
    const m = JSON.parse(e.data);
    waiting.get(m.id)?.(m);
    waiting.delete(m.id);
  };
  const send = (method: string) =>
    new Promise<{ result: Record<string, number> }>((r) => {
      waiting.set(++id, r);
      ws.send(JSON.stringify({ id, method }));
    });
  await send("HeapProfiler.collectGarbage");
  await send("HeapProfiler.collectGarbage");
  const u = await send("Runtime.getHeapUsage");
  ws.close();
  return u.result.usedSize / 2 ** 20;
}

interface Mem {
  kmem: number;
  sockets: number;
  pcbs: number;
  heap: number;
  rss: number;
}
async function mem(sim: Sim): Promise<Mem> {
  const g = await guest(sim);
  return {
    kmem: g.kmem,
    sockets: g.sockets,
    pcbs: g.pcbs,
    heap: await heapMiB(),
    rss: (await rssMiB(sim.proc.pid)) ?? NaN,
  };
}
const fmtMem = (m: Mem) =>
  `kmem ${m.kmem} B, sockets ${m.sockets}, TCP PCBs ${m.pcbs}, heap ${
    m.heap.toFixed(1)
  } MiB, RSS ${m.rss} MiB`;

// --- the cases --------------------------------------------------------------------------

/** The largest of each memory figure seen at the snapshots (`notePeak`) of a path's run. */
let peak: Mem | null = null;
async function notePeak(sim: Sim): Promise<void> {
  const m = await mem(sim);
  if (!peak) peak = { ...m };
  for (const k of Object.keys(peak) as (keyof Mem)[]) peak[k] = Math.max(peak[k], m[k]);
}

interface Row {
  name: string;
  path: string;
  figure: string;
  threshold: string;
  holds: boolean;
  load: string;
}
const rows: Row[] = [];
const notes: string[] = [];
function row(r: Row) {
  rows.push(r);
  console.log(`  ${r.name} [${r.path}]: ${r.figure} — ${r.holds ? "holds" : "DOES NOT HOLD"}`);
}

/** Opens and at once closes host connections from 256 loops until `stop` is set. */
function connectFlood(sim: Sim, state: { stop: boolean; made: number; failed: number }) {
  return Promise.all(Array.from({ length: 256 }, async () => {
    while (!state.stop) {
      try {
        const c = await Deno.connect({ hostname: sim.host, port: sim.port });
        c.close();
        state.made++;
      } catch {
        state.failed++;
        await sleep(10);
      }
    }
  }));
}

/** The spoofed sources' range (_syn_flood.ts). */
const FLOOD_SOURCES = "198.18.0.0/15";
const FLOOD_TUN = "rsflood0";

/**
 * Routes the spoofed sources into a tun that nobody reads, so Linux's SYN-ACKs from
 * 127.0.0.1 to them go nowhere (route_localnet lets a loopback source leave through that
 * device); returns the undo, or null when it could not (not root).
 */
async function silentSources(): Promise<(() => Promise<void>) | null> {
  const undo = async () => void (await sh("ip", "link", "del", FLOOD_TUN));
  const steps = [
    ["ip", "tuntap", "add", FLOOD_TUN, "mode", "tun"],
    ["ip", "link", "set", FLOOD_TUN, "up"],
    ["ip", "route", "add", FLOOD_SOURCES, "dev", FLOOD_TUN],
    ["sysctl", "-w", `net.ipv4.conf.${FLOOD_TUN}.route_localnet=1`],
  ];
  for (const [cmd, ...args] of steps) {
    if (!(await sh(cmd, ...args)).ok) {
      await undo();
      return null;
    }
  }
  return undo;
}

/** Linux's TCP counters (/proc/net/netstat TcpExt) that a SYN flood moves. */
async function linuxSynCounters(): Promise<Record<string, number>> {
  const t = (await Deno.readTextFile("/proc/net/netstat")).split("\n");
  const i = t.findIndex((x) => x.startsWith("TcpExt:"));
  const names = t[i].split(" "), vals = t[i + 1].split(" ");
  const out: Record<string, number> = {};
  for (const k of ["SyncookiesSent", "SyncookiesRecv", "ListenOverflows", "ListenDrops"]) {
    out[k] = Number(vals[names.indexOf(k)]);
  }
  return out;
}

async function caseFlood(sim: Sim) {
  const l = await load();
  const t0 = await guest(sim);
  const answers: { code: number; total: number }[] = [];
  const hostfwd = sim.path === "hostfwd";
  const undo = hostfwd ? await silentSources() : null;
  if (hostfwd && !undo) {
    notes.push("(a) through hostfwd skipped: a silent route for the spoofed sources needs root");
    return;
  }
  const lx0 = hostfwd ? await linuxSynCounters() : null;
  let what: string;
  try {
    const s0 = performance.now();
    await synFlood(SYNS, sim.host, sim.port);
    const firstMs = performance.now() - s0;
    const again = synFlood(SYNS, sim.host, sim.port, 8);
    for (let i = 0; i < 3; i++) answers.push(await curl(sim.url));
    await again;
    const t1 = await guest(sim);
    const d = (k: string) => t1.tcp[k] - t0.tcp[k];
    what = `2 × ${SYNS} spoofed SYNs (the first in ${(firstMs / 1000).toFixed(1)} s); ` +
      `the guest's SYN cache overflows ${d("sc_overflowed")}, cookies sent ${
        d("sc_cookies_sent")
      }, listendrop ${d("listendrop")}, connections accepted ${d("accepts")}`;
    if (lx0) {
      const lx1 = await linuxSynCounters();
      what += `; Linux's listener: SYN cookies sent +${
        lx1.SyncookiesSent - lx0.SyncookiesSent
      }, listen drops +${lx1.ListenDrops - lx0.ListenDrops}, accept queue overflows +${
        lx1.ListenOverflows - lx0.ListenOverflows
      }`;
    }
  } finally {
    await undo?.();
  }
  curlsRow("(a) curl during a SYN flood", sim, answers, what, l);
}

/** The row of a flood case: each of the curls asked meanwhile must be a 200 within 1 s. */
function curlsRow(
  name: string,
  sim: Sim,
  answers: { code: number; total: number }[],
  what: string,
  load: string,
) {
  const worst = Math.max(...answers.map((a) => a.code === 200 ? a.total : Infinity));
  row({
    name,
    path: sim.path,
    figure: `${answers.length} curls: ${
      answers.map((a) => `${a.code} in ${(a.total * 1000).toFixed(0)} ms`).join(", ")
    }; ${what}`,
    threshold: "each 200 in < 1 s",
    holds: worst < 1,
    load,
  });
}

/** (a2): curl during a flood of whole host connections through hostfwd. */
async function caseConnFlood(sim: Sim) {
  const l = await load();
  const answers: { code: number; total: number }[] = [];
  const st = { stop: false, made: 0, failed: 0 };
  const f = connectFlood(sim, st);
  const s0 = performance.now();
  await sleep(1000);
  for (let i = 0; i < 3; i++) {
    answers.push(await curl(sim.url));
    await sleep(500);
  }
  st.stop = true;
  await f;
  const secs = (performance.now() - s0) / 1000;
  const what = `${st.made} host connections opened and closed in ${secs.toFixed(1)} s ` +
    `(${(st.made / secs).toFixed(0)}/s, ${st.failed} failed)`;
  curlsRow("(a2) curl during a connection flood (not an issue case)", sim, answers, what, l);
}

async function caseIdle(sim: Sim) {
  const l = await load();
  const idle: Deno.Conn[] = [];
  let failed = 0;
  for (let i = 0; i < IDLE; i++) {
    try {
      idle.push(await Deno.connect({ hostname: sim.host, port: sim.port }));
    } catch {
      failed++;
    }
  }
  await sleep(1000);
  const g = await guest(sim);
  await notePeak(sim);
  const a = await curl(sim.url);
  for (const c of idle) c.close();
  row({
    name: `(b) ${IDLE} idle connections + curl`,
    path: sim.path,
    figure: `curl ${a.code} in ${(a.total * 1000).toFixed(0)} ms (${idle.length} held, ${failed} ` +
      `failed to connect; the guest had ${g.sockets} sockets)`,
    threshold: "200",
    holds: a.code === 200,
    load: l,
  });
}

/**
 * Three runs against the simulator, each followed by one against Deno.serve, so that both
 * see the same machine: on a shared machine the native rate moves by as much as the
 * threshold, so the sim/native ratio is judged beside the raw spread, and so is the
 * longest request (a refused TIME-WAIT reuse costs a 1 s SYN retransmission).
 */
async function caseRate(sim: Sim, nativeUrl: string) {
  const l = await load();
  const runs = [], nat = [], cpuUs: number[] = [], steal: number[] = [];
  for (let i = 0; i < 3; i++) {
    const c0 = await cpuSeconds(sim.proc.pid);
    const s0 = await cpuStat();
    const r = await ab(sim.url, { conns: 10, secs: SECS });
    const s1 = await cpuStat();
    const c1 = await cpuSeconds(sim.proc.pid);
    steal.push((s1.steal - s0.steal) / Math.max(1, s1.all - s0.all));
    runs.push(r);
    cpuUs.push(c0 === null || c1 === null ? NaN : (c1 - c0) * 1e6 / r.complete);
    nat.push(await ab(nativeUrl, { conns: 10, secs: SECS }));
  }
  const spreadOf = (xs: number[]) => 1 - Math.min(...xs) / Math.max(...xs);
  const r = runs.map((x) => x.rps), n = nat.map((x) => x.rps);
  const ratio = r.map((x, i) => x / n[i]);
  const pct = (x: number) => `${(100 * x).toFixed(0)}%`;
  row({
    name: `(c) 3 × ${SECS} s ab -c 10, no keep-alive`,
    path: sim.path,
    figure: `${r.map((x) => x.toFixed(0)).join(" / ")} req/s (spread ${
      pct(spreadOf(r))
    }; longest request ${runs.map((x) => x.longest).join(" / ")} ms; failed ${
      runs.map((x) => x.failed).join("/")
    }; simulator CPU per request ${cpuUs.map((x) => x.toFixed(0)).join(" / ")} µs (spread ${
      pct(spreadOf(cpuUs))
    }); CPU stolen by the hypervisor ${
      steal.map((x) => `${(100 * x).toFixed(1)}%`).join(" / ")
    }); Deno.serve on loopback between them ${n.map((x) => x.toFixed(0)).join(" / ")} (spread ${
      pct(spreadOf(n))
    }); sim/native ${ratio.map(pct).join(" / ")} (spread ${pct(spreadOf(ratio))})`,
    threshold: "spread ≤ 20% (raw, or of sim/native when native moved as much); no 1 s stall",
    holds: (spreadOf(r) <= 0.2 || spreadOf(ratio) <= 0.2) &&
      runs.every((x) => x.failed === 0 && x.longest < 1000),
    load: l,
  });
}

async function caseChurnCpu(sim: Sim, idleBefore: number) {
  const l = await load();
  const t = performance.now();
  const r = await ab(sim.url, { conns: 10, n: CHURN });
  const churnSecs = (performance.now() - t) / 1000;
  const g = await guest(sim);
  const c0 = await cpuSeconds(sim.proc.pid);
  const m0 = await mainThreadCpu(sim.proc.pid);
  await sleep(10_000);
  const c1 = await cpuSeconds(sim.proc.pid);
  const m1 = await mainThreadCpu(sim.proc.pid);
  const cpu = c0 === null || c1 === null ? NaN : (c1 - c0) / 10;
  // Threads come and go (Deno's blocking pool), so the rest is the process less the main.
  const split = `main thread ${(10 * (m1 - m0)).toFixed(1)}%, the other threads ${
    (100 * cpu - 10 * (m1 - m0)).toFixed(1)
  }%`;
  // Five new connections, one after another: the median is judged (a single one may
  // meet a GC pause of the heap the churn left), the slowest is shown.
  const hss = [];
  for (let i = 0; i < 5; i++) hss.push(await curl(sim.url));
  const times = hss.map((h) => (sim.path === "tap" ? h.connect : h.total) * 1000)
    .sort((a, b) => a - b);
  const hsMs = times[2];
  const hs = {
    code: hss.every((h) => h.code === 200) ? 200 : hss.find((h) => h.code !== 200)!.code,
  };
  row({
    name: `(d) idle CPU after ${CHURN} closed connections`,
    path: sim.path,
    figure: `${(100 * cpu).toFixed(1)}% of a core over 10 s (${split}; at boot ${
      (100 * idleBefore).toFixed(1)
    }%), ${g.orphans} TIME-WAIT etc. PCBs held; then ${
      sim.path === "tap" ? "handshake" : "a whole request (the guest's handshake inside)"
    } median of 5 ${hsMs.toFixed(1)} ms, slowest ${
      times[4].toFixed(1)
    } ms (curl ${hs.code}); churn ${r.complete} in ${churnSecs.toFixed(1)} s, ${r.failed} failed`,
    threshold: "< 5% of a core; < 10 ms",
    holds: cpu < 0.05 && hs.code === 200 && hsMs < 10 && r.failed === 0,
    load: l,
  });
}

/** Linux's counters of the tap (its side: tx is toward the guest), or null. */
async function tapLinkStats(): Promise<{ txDropped: number; rxDropped: number } | null> {
  const r = await sh("ip", "-s", "-j", "link", "show", TAP);
  if (!r.ok) return null;
  const s = JSON.parse(r.out)[0]?.stats64;
  return s ? { txDropped: s.tx.dropped, rxDropped: s.rx.dropped } : null;
}

async function caseTxDrops(sim: Sim) {
  const l = await load();
  const lk0 = sim.path === "tap" ? await tapLinkStats() : null;
  const g0 = await guest(sim);
  const v0 = await sim.kc.sysctl("hw.vioif0.stats") as Stats;
  const r = await ab(sim.url.replace("/hello.txt", "/big.bin"), {
    conns: 32,
    secs: Math.min(SECS, 10),
    keepAlive: true,
  });
  const g1 = await guest(sim);
  const v1 = await sim.kc.sysctl("hw.vioif0.stats") as Stats;
  const lk1 = sim.path === "tap" ? await tapLinkStats() : null;
  const linux = lk0 && lk1
    ? `; Linux's tap: dropped toward the guest +${lk1.txDropped - lk0.txDropped}, from it +${
      lk1.rxDropped - lk0.rxDropped
    }`
    : "";
  const d = (k: string) => g1.tcp[k] - g0.tcp[k];
  const odropped = g1.ip.odropped - g0.ip.odropped;
  const oerrors = g1.oerrors - g0.oerrors;
  row({
    name: "(e) ab -k -c 32 /big.bin: transmit drops",
    path: sim.path,
    figure: `ip.odropped +${odropped}, vioif0 oerrors +${oerrors} (${r.complete} × 256 KiB, ${
      r.rps.toFixed(0)
    } req/s, ${r.failed} failed; retransmitted ${d("sndrexmitpack")} segments, ${
      d("rexmttimeo")
    } RTOs; ${
      v1.txRingFull - v0.txRingFull
    } frames waited on if_snd, deepest ${v1.ifqMaxDepth}${linux})`,
    threshold: "0 drops",
    holds: odropped === 0 && oerrors === 0 && r.failed === 0,
    load: l,
  });
}

// --- one path ---------------------------------------------------------------------------

async function runPath(path: "hostfwd" | "tap", nativeUrl: string) {
  console.log(`\n== ${path}: booting the httpd image (load ${await load()})`);
  const sim = await boot(path);
  let peakRss = 0;
  const sampler = setInterval(async () => {
    peakRss = Math.max(peakRss, (await rssMiB(sim.proc.pid)) ?? 0);
  }, 200);
  try {
    const boot0 = await mem(sim);
    const c0 = await cpuSeconds(sim.proc.pid);
    await sleep(5000);
    const idleBefore = ((await cpuSeconds(sim.proc.pid))! - c0!) / 5;
    // Warm-up: every path the cases take runs once, so that V8's compiled code and
    // feedback (which live on the heap) are in the baseline, not counted as a leak.
    await ab(sim.url, { conns: 10, n: 2000 });
    await ab(sim.url.replace("/hello.txt", "/big.bin"), { conns: 8, n: 100, keepAlive: true });
    await sleep(CASES.has("f") ? 62_000 : 1000); // the warm-up's TIME-WAITs expire
    const base = await mem(sim);
    console.log(`  at boot: ${fmtMem(boot0)}\n  baseline (warmed up): ${fmtMem(base)}`);
    peak = { ...base };
    // The churn first: its idle-CPU window then holds no expiry of an earlier case's
    // TIME-WAITs (they expire 60 s after each close). The flood, overload, comes last.
    if (CASES.has("d")) await caseChurnCpu(sim, idleBefore);
    await notePeak(sim);
    if (CASES.has("c")) await caseRate(sim, nativeUrl);
    await notePeak(sim);
    if (CASES.has("e")) await caseTxDrops(sim);
    await notePeak(sim);
    if (IDLE > 0 && CASES.has("b")) await caseIdle(sim);
    if (CASES.has("a")) await caseFlood(sim);
    await notePeak(sim);
    if (CASES.has("a2") && path === "hostfwd") await caseConnFlood(sim);
    await notePeak(sim);
    if (!CASES.has("f")) return;
    // After: the last connections' TIME-WAITs (2·MSL, 60 s) and SYN cache entries expire,
    // the guest's and the gateway's (whose side closes first when the host client does).
    const ended = performance.now();
    const l = await load();
    let after = await mem(sim);
    for (let i = 0; i < 30 && (after.pcbs > base.pcbs || performance.now() - ended < 62_000); i++) {
      await sleep(5000);
      after = await mem(sim);
    }
    const top = peak as Mem;
    top.rss = Math.max(top.rss, peakRss);
    const back = after.kmem <= base.kmem && after.sockets <= base.sockets &&
      after.pcbs <= base.pcbs && after.heap <= base.heap * 1.1;
    row({
      name: "(f) memory returns",
      path,
      figure: `at boot: ${fmtMem(boot0)}; baseline (warmed up): ${fmtMem(base)}; peak: ${
        fmtMem(top)
      }; after: ${fmtMem(after)}`,
      threshold: "kmem, sockets, PCBs at baseline; heap within 10%",
      holds: back,
      load: l,
    });
  } finally {
    clearInterval(sampler);
    await halt(sim);
  }
}

// --- main -------------------------------------------------------------------------------

for (const [cmd, ...args] of [["ab", "-V"], ["curl", "--version"]]) {
  if (!(await sh(cmd, ...args)).ok) {
    console.error(`load_cases: needs ${cmd} (not found)`);
    Deno.exit(1);
  }
}
const paths = PATHS.filter((p) => {
  if (p !== "tap") return true;
  if (Deno.uid() !== 0) notes.push("tap path skipped: needs root (a tap device, raw sockets)");
  else return true;
  return false;
}) as ("hostfwd" | "tap")[];
if (paths.includes("tap")) {
  for (const [cmd, ...args] of [["ip", "-V"], ["python3", "--version"]]) {
    if (!(await sh(cmd, ...args)).ok) {
      console.error(`load_cases: the tap path needs ${cmd} (not found)`);
      Deno.exit(1);
    }
  }
}

const native = await spawnNativeHello(NATIVE_PORT);
const nativeUrl = `http://127.0.0.1:${NATIVE_PORT}/hello.txt`;
const started = new Date().toISOString();
try {
  await waitFor(nativeUrl);
  for (const p of paths) await runPath(p, nativeUrl);
} finally {
  native.kill("SIGTERM");
  await native.status;
}

console.log(`\nstarted ${started}, ended ${new Date().toISOString()}; ${Deno.version.deno}`);
console.log("\n| case | path | measured | threshold | holds | load (1 min) |");
console.log("| --- | --- | --- | --- | --- | ---: |");
for (const r of rows) {
  console.log(
    `| ${r.name} | ${r.path} | ${r.figure} | ${r.threshold} | ${
      r.holds ? "yes" : "**no**"
    } | ${r.load} |`,
  );
}
for (const n of notes) console.log(`\n${n}`);
