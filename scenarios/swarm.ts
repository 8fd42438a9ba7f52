/**
 * swarm.ts — many machines on one learning switch: a server (10.0.1.1) running the TCP echo
 * server and httpd, and N-1 clients (10.0.1.2, ...) that each ping it and fetch a page.
 * The scale scenario: `swarm(100)` is the default export (bench/sim_scale.ts measures it).
 *
 *   deno task sim scenarios/swarm.ts --seed 1
 *
 * Rules: every client must exit 0 (ping got its replies, wget its page); machines have
 * 16 MiB of RAM each, which these images fit in.
 */
import { echo_server } from "../apps/echo_server.ts";
import { httpd } from "../apps/httpd/main.ts";
import { ping } from "../apps/ping.ts";
import { wget } from "../apps/wget.ts";
import { rumpdev_pci } from "../dev/pci_component.ts";
import { rumpdev_vioif } from "../dev/vioif_component.ts";
import { rumpfs_kernfs, rumpvfs } from "../fs/vfs_init.ts";
import type { RumpComponent } from "../kernel/kern/component.ts";
import type { Image } from "../kernel/syscall/image.ts";
import { rumpnet, rumpnet_net, rumpnet_netinet } from "../net/netinet_init.ts";
import { defineScenario, exitStatus, type Scenario } from "../rumprun/scenario.ts";

const NET: RumpComponent[] = [rumpnet, rumpnet_net, rumpnet_netinet, rumpdev_pci, rumpdev_vioif];
const net = (addr: string) => [
  { if: "vioif0", method: "static" as const, addr, mask: "255.255.0.0" },
];

const server: Image = {
  name: "swarm-server",
  description: "echo and httpd for the swarm",
  components: [...NET, rumpvfs, rumpfs_kernfs],
  apps: [
    { app: echo_server, argv: ["7"], background: true },
    { app: httpd, argv: ["-p", "80", "-d", "/kern"] },
  ],
  config: { hostname: "server", net: net("10.0.1.1") },
};

const client = (i: number): Image => ({
  name: `swarm-client-${i}`,
  description: "ping and wget the server",
  components: NET,
  apps: [
    { app: ping, argv: ["-c", "2", "10.0.1.1"] },
    { app: wget, argv: ["-q", "http://10.0.1.1/version"] },
  ],
  config: { hostname: `c${i}`, net: net(`10.0.${1 + (i + 1 >> 8)}.${(i + 1) & 0xff}`) },
});

/** A swarm of `n` machines (n >= 2) on one switch. */
export function swarm(n: number): Scenario {
  const clients = Array.from({ length: n - 1 }, (_, k) => k + 1);
  return defineScenario({
    name: `swarm-${n}`,
    description: `${n} machines on a switch: ${n - 1} clients ping and fetch from one server`,
    machines: [
      { name: "server", image: server, wait: false },
      ...clients.map((i) => ({ name: `c${i}`, image: client(i) })),
    ],
    links: [{ kind: "switch", machines: ["server", ...clients.map((i) => `c${i}`)] }],
    invariants: clients.map((i) => exitStatus(`c${i}`)),
    memBytes: 16 * 1024 * 1024,
    timeLimitNs: 120e9,
  });
}

export default swarm(100);
