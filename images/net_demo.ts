/**
 * net_demo.ts — two machines on a wire, the way rump kernels were first shown talking:
 * the server (10.0.0.1) runs a TCP echo server and httpd serving its kernfs; the client
 * (10.0.0.2) pings the server, fetches a page from it with wget, then prints netstat -s.
 * The run ends with the client's exit status.
 */
import { echo_server } from "../apps/echo_server.ts";
import { httpd } from "../apps/httpd/main.ts";
import { netstat } from "../apps/netstat.ts";
import { ping } from "../apps/ping.ts";
import { wget } from "../apps/wget.ts";
import { rumpdev_pci } from "../dev/pci_component.ts";
import { rumpdev_vioif } from "../dev/vioif_component.ts";
import type { Image } from "../kernel/syscall/image.ts";
import type { World } from "../rumprun/world.ts";
import type { RumpComponent } from "../kernel/kern/component.ts";
import { rumpnet, rumpnet_net, rumpnet_netinet } from "../net/netinet_init.ts";
import { rumpfs_kernfs, rumpvfs } from "../fs/vfs_init.ts";

const NET: RumpComponent[] = [rumpnet, rumpnet_net, rumpnet_netinet, rumpdev_pci, rumpdev_vioif];

export const server: Image = {
  name: "net-demo-server",
  description: "TCP echo on port 7 and httpd on port 80 serving /kern",
  components: [...NET, rumpvfs, rumpfs_kernfs],
  apps: [
    { app: echo_server, argv: ["7"], background: true },
    { app: httpd, argv: ["-p", "80", "-d", "/kern"] },
  ],
  config: {
    hostname: "server",
    net: [{ if: "vioif0", method: "static", addr: "10.0.0.1", mask: "255.255.255.0" }],
  },
};

export const client: Image = {
  name: "net-demo-client",
  description: "ping, wget and netstat -s against the server",
  components: NET,
  apps: [
    { app: ping, argv: ["-c", "3", "10.0.0.1"] },
    { app: wget, argv: ["-t", "200", "http://10.0.0.1/version"] },
    { app: netstat, argv: ["-s"] },
  ],
  config: {
    hostname: "client",
    net: [{ if: "vioif0", method: "static", addr: "10.0.0.2", mask: "255.255.255.0" }],
  },
};

/** The two machines on their wire; the client's exit ends the run. */
export const world: World = {
  kind: "world",
  name: "net-demo",
  description: "two machines on a wire: ping, wget and netstat -s from 10.0.0.2 to 10.0.0.1",
  machines: [
    { name: "server", image: server, mac: "52:54:00:00:00:01" },
    { name: "client", image: client, mac: "52:54:00:00:00:02" },
  ],
};
