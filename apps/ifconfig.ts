/**
 * ifconfig.ts — ifconfig(8), the reporting half: shows the network interfaces as NetBSD's
 * ifconfig prints them, read from the sysctl node `net.interfaces`.
 *
 *   ifconfig [-v] [-a | interface]      ifconfig -l
 *
 * Output per interface (NetBSD 10 layout):
 *   vioif0: flags=0x8843<UP,BROADCAST,RUNNING,SIMPLEX,MULTICAST> mtu 1500
 *           address: 52:54:00:12:34:56
 *           inet 10.0.2.15/24 broadcast 10.0.2.255 flags 0x0
 * with -v also `index`, the netmask in hex, and the counters (input/output packets, bytes,
 * errors, drops, collisions).
 *
 * Rules: reads only; configuring an interface needs ioctls (SIOCAIFADDR, SIOCSIFFLAGS)
 * the syscall API does not have, so `ifconfig if0 addr ...` is refused with a clear
 * message. A missing node means the image has no network stack (exit 1). Unknown
 * interface: `ifconfig: interface X does not exist`, exit 1 (NetBSD's wording).
 */
import { type App, type Sys, type Wait } from "../kernel/syscall/api.ts";
import { getopt } from "./lib/getopt.ts";
import { eprint, EX_USAGE, fail, print } from "./lib/stdio.ts";

/** One interface as net/ publishes it in `net.interfaces`. */
export interface IfInfo {
  name: string;
  index?: number;
  flags: number;
  mtu: number;
  mac?: string | null;
  addrs?: { addr: string; netmask: string; prefixLen: number; broadcast: string | null }[];
  ipackets?: number;
  ierrors?: number;
  opackets?: number;
  oerrors?: number;
  ibytes?: number;
  obytes?: number;
  iqdrops?: number;
  collisions?: number;
}

/** Interface flag names in bit order (NetBSD net/if.h). */
const IFF_NAMES: Array<[number, string]> = [
  [0x1, "UP"],
  [0x2, "BROADCAST"],
  [0x4, "DEBUG"],
  [0x8, "LOOPBACK"],
  [0x10, "POINTOPOINT"],
  [0x20, "NOTRAILERS"],
  [0x40, "RUNNING"],
  [0x80, "NOARP"],
  [0x100, "PROMISC"],
  [0x200, "ALLMULTI"],
  [0x400, "OACTIVE"],
  [0x800, "SIMPLEX"],
  [0x1000, "LINK0"],
  [0x2000, "LINK1"],
  [0x4000, "LINK2"],
  [0x8000, "MULTICAST"],
];

/** "flags=0x8843<UP,BROADCAST,RUNNING,SIMPLEX,MULTICAST>" */
export function formatIfFlags(flags: number): string {
  const names = IFF_NAMES.filter(([bit]) => flags & bit).map(([, n]) => n);
  return `flags=0x${flags.toString(16)}<${names.join(",")}>`;
}

function hexMask(dotted: string): string {
  const n = dotted.split(".").reduce((a, p) => a * 256 + Number(p), 0);
  return "0x" + n.toString(16).padStart(8, "0");
}

/** The block ifconfig prints for one interface. */
export function formatInterface(i: IfInfo, verbose: boolean): string {
  let s = `${i.name}: ${formatIfFlags(i.flags)} mtu ${i.mtu}\n`;
  if (verbose && i.index !== undefined) s += `\tindex ${i.index}\n`;
  if (i.mac) s += `\taddress: ${i.mac}\n`;
  for (const a of i.addrs ?? []) {
    s += `\tinet ${a.addr}/${a.prefixLen}`;
    if (a.broadcast) s += ` broadcast ${a.broadcast}`;
    s += " flags 0x0";
    if (verbose) s += ` netmask ${hexMask(a.netmask)}`;
    s += "\n";
  }
  if (verbose) {
    const n = (x: number | undefined) => x ?? 0;
    s += `\tinput: ${n(i.ipackets)} packets, ${n(i.ibytes)} bytes, ${n(i.ierrors)} errors, ` +
      `${n(i.iqdrops)} queue drops\n`;
    s += `\toutput: ${n(i.opackets)} packets, ${n(i.obytes)} bytes, ${n(i.oerrors)} errors, ` +
      `${n(i.collisions)} collisions\n`;
  }
  return s;
}

function* main(sys: Sys, argv: string[]): Wait<number> {
  const g = getopt(argv.slice(1), "alv");
  if (!g.ok) {
    yield* eprint(sys, `ifconfig: ${g.error}\nusage: ifconfig [-v] [-a | interface]\n`);
    return EX_USAGE;
  }
  const { opts, operands } = g.value;
  if (operands.length > 1) {
    return yield* fail(
      sys,
      "ifconfig",
      "configuring an interface is not supported (the syscall API has no interface ioctls)",
    );
  }
  let list: IfInfo[];
  try {
    list = sys.sysctl("net.interfaces") as IfInfo[];
  } catch (e) {
    return yield* fail(sys, "ifconfig", `no network stack: ${(e as Error).message}`);
  }
  if (opts.has("l")) {
    yield* print(sys, list.map((i) => i.name).join(" ") + "\n");
    return 0;
  }
  const verbose = opts.has("v");
  if (operands.length === 1) {
    const i = list.find((x) => x.name === operands[0]);
    if (!i) return yield* fail(sys, "ifconfig", `interface ${operands[0]} does not exist`);
    yield* print(sys, formatInterface(i, verbose));
    return 0;
  }
  yield* print(sys, list.map((i) => formatInterface(i, verbose)).join(""));
  return 0;
}

export const ifconfig: App = { name: "ifconfig", main, summary: "show network interfaces" };
export default ifconfig;
