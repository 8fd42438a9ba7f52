import assert from "node:assert/strict";
import * as E from "../../kernel/kern/errno.ts";
import { netConfigure, netinetInit } from "../../net/netinet_init.ts";
import { Ifnet } from "../../net/if.ts";
import { RouteTable, RTF_STATIC } from "../../net/route.ts";
import { MacAddr, parseIpv4 } from "../../net/wire/mod.ts";
import { runInKernel } from "../support/kernel.ts";

const ip = parseIpv4;

function ifnet(name: string, up = true): Ifnet {
  const i = new Ifnet({
    name,
    type: "ether",
    mac: MacAddr.parse("52:54:00:00:00:01"),
    transmit: () => true,
  });
  if (up) i.flags |= 1;
  return i;
}

Deno.test("route: the longest matching prefix wins, the default route catches the rest", () => {
  const t = new RouteTable();
  const e0 = ifnet("e0"), e1 = ifnet("e1");
  t.add(0, 0, ip("10.0.0.254"), e0, RTF_STATIC);
  t.addConnected(e0, ip("10.0.0.1"), 24);
  t.add(ip("10.0.0.128"), 25, ip("10.0.0.2"), e1, RTF_STATIC);
  assert.equal(t.lookup(ip("10.0.0.5"))!.prefixLen, 24);
  assert.equal(t.lookup(ip("10.0.0.200"))!.ifp, e1);
  const d = t.lookup(ip("8.8.8.8"))!;
  assert.equal(RouteTable.nexthop(d, ip("8.8.8.8")), ip("10.0.0.254"));
  assert.equal(RouteTable.nexthop(t.lookup(ip("10.0.0.5"))!, ip("10.0.0.5")), ip("10.0.0.5"));
  assert.deepEqual(t.list().map((r) => [r.destination, r.gateway, r.flags]), [
    ["10.0.0.128/25", "10.0.0.2", "UGS"],
    ["10.0.0.0/24", "link#0", "UC"],
    ["default", "10.0.0.254", "UGS"],
  ]);
});

Deno.test("route: routes through an interface that is down are skipped", () => {
  const t = new RouteTable();
  const up = ifnet("up"), down = ifnet("down", false);
  t.addConnected(down, ip("10.1.0.1"), 16);
  t.addConnected(up, ip("10.0.0.1"), 8);
  assert.equal(t.lookup(ip("10.1.2.3"))!.ifp, up);
  assert.equal(t.delete(ip("10.0.0.0"), 8), true);
  assert.equal(t.lookup(ip("10.1.2.3")), null);
});

Deno.test("route: the static configuration sets address, mask and default gateway, and checks them", () => {
  runInKernel(function* (k) {
    const s = netinetInit(k);
    s.attach({
      name: "vioif0",
      type: "ether",
      mac: MacAddr.parse("52:54:00:12:34:56"),
      transmit: () => true,
    });
    netConfigure(k, {
      ifname: "vioif0",
      addr: "10.0.2.15",
      netmask: "255.255.255.0",
      gateway: "10.0.2.2",
    });
    const routes = k.sysctl.read("net.route") as {
      destination: string;
      gateway: string;
      interface: string;
    }[];
    assert.deepEqual(routes.map((r) => [r.destination, r.gateway, r.interface]), [
      ["10.0.2.0/24", "link#2", "vioif0"],
      ["127.0.0.0/8", "link#1", "lo0"],
      ["default", "10.0.2.2", "vioif0"],
    ]);
    const bad = (cfg: Parameters<typeof netConfigure>[1]) => {
      try {
        netConfigure(k, cfg);
      } catch (e) {
        return (e as E.Errno).errno;
      }
      return 0;
    };
    assert.equal(bad({ ifname: "vioif9", addr: "10.0.2.15" }), E.ENXIO);
    assert.equal(bad({ ifname: "vioif0", addr: "10.0.2.300" }), E.EINVAL);
    assert.equal(bad({ ifname: "vioif0", addr: "10.0.2.15", netmask: "255.0.255.0" }), E.EINVAL);
    assert.equal(bad({ ifname: "vioif0", addr: "10.0.2.16/24", gateway: "192.168.1.1" }), E.EINVAL);
  });
});
