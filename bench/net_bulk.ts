/**
 * net_bulk.ts — bulk TCP between two simulated machines on a wire, through everything:
 * the apps' syscalls, sockets, TCP, IP, ARP, vioif, virtio rings in guest RAM, the wire.
 * Reports wall-clock MB/s (the issue's measure), the virtual-time rate, and TCP's counts of
 * out-of-order arrivals and retransmissions.
 *
 *   deno run -A bench/net_bulk.ts [MiB] [loss]
 */
import { bulk } from "../apps/bulk.ts";
import { client, server } from "../images/net_demo.ts";
import { runWorld } from "../rumprun/world.ts";

const mib = Number(Deno.args[0] ?? 50);
const loss = Number(Deno.args[1] ?? 0);
const bytes = mib * 1024 * 1024;
let out = "";
const t0 = performance.now();
const r = await runWorld([
  {
    name: "recv",
    image: { ...server, apps: [{ app: bulk, argv: ["recv", "9000"] }] },
    mac: "52:54:00:00:00:01",
  },
  {
    name: "send",
    image: { ...client, apps: [{ app: bulk, argv: ["send", "10.0.0.1", "9000", String(bytes)] }] },
    mac: "52:54:00:00:00:02",
  },
], {
  seed: 1,
  fault: loss ? { loss } : undefined,
  console: (b) => (out += new TextDecoder().decode(b)),
});
const ms = performance.now() - t0;
if (r.status !== 0) throw new Error(`bulk failed (${r.status}):\n${out.slice(-1500)}`);
const virt = /received \d+ bytes in ([\d.]+) s/.exec(out)?.[1];
// Frames through the device and driver: both NICs, both directions (vioif0's counters).
type IfInfo = { name: string; ipackets: number; opackets: number };
const frames = r.booted.reduce((n, b) => {
  const ifs = b.kernel.sysctl.read("net.interfaces") as IfInfo[];
  const v = ifs.find((i) => i.name === "vioif0")!;
  return n + v.ipackets + v.opackets;
}, 0);
// TCP's own counters, both machines: segments that arrived out of order, and segments sent again.
type TcpStats = { rcvoopack: number; sndrexmitpack: number };
const tcp = r.booted.map((b) => b.kernel.sysctl.read("net.inet.tcp.stats") as TcpStats);
const ooo = tcp.reduce((n, s) => n + s.rcvoopack, 0);
const rexmit = tcp.reduce((n, s) => n + s.sndrexmitpack, 0);
console.log(
  `${mib} MiB at ${loss * 100}% loss: ${(bytes / 1e6 / (ms / 1000)).toFixed(1)} MB/s wall ` +
    `(${ms.toFixed(0)} ms, boot included), virtual ${virt} s; ` +
    `${frames} frames through vioif, ${(frames / (ms / 1000)).toFixed(0)} frames/s wall; ` +
    `${ooo} segments out of order, ${rexmit} retransmitted`,
);
