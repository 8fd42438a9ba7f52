import assert from "node:assert/strict";
import { parseHostfwd, parseHosts, UserNetdev } from "../../slirp/plan.ts";

Deno.test("user netdev: hostfwd takes QEMU's syntax with loopback as the default host address", () => {
  assert.deepEqual(parseHostfwd("tcp:127.0.0.1:8080-:80"), {
    proto: "tcp",
    hostAddr: "127.0.0.1",
    hostPort: 8080,
    guestAddr: "10.0.2.15",
    guestPort: 80,
  });
  assert.equal(parseHostfwd("tcp::8080-:80").hostAddr, "127.0.0.1");
  assert.equal(parseHostfwd(":127.0.0.2:0-10.0.2.16:22").guestAddr, "10.0.2.16");
});

Deno.test("user netdev: a bad hostfwd gets an error naming the bad part", () => {
  assert.throws(() => parseHostfwd("8080:80"), /want tcp:HOSTADDR/);
  assert.throws(() => parseHostfwd("tcp:0.0.0.0:8080-:80"), /not a loopback/);
  assert.throws(() => parseHostfwd("tcp::70000-:80"), /bad host port/);
  assert.throws(() => parseHostfwd("tcp::80-:0"), /bad guest port/);
  assert.throws(() => parseHostfwd("udp::53-:53"), /only tcp/);
});

Deno.test("user netdev: hosts maps lower-cased names to addresses and rejects junk", () => {
  assert.deepEqual(parseHosts("Web.Test=10.0.2.15,gw=10.0.2.2"), {
    "web.test": "10.0.2.15",
    gw: "10.0.2.2",
  });
  assert.throws(() => parseHosts("x=1.2.3"), /bad address/);
  assert.throws(() => parseHosts("=1.2.3.4"), /bad name/);
});

Deno.test("user netdev: a frame sent by the guest comes out at the gateway and back", () => {
  const n = new UserNetdev(null);
  const got: string[] = [];
  n.gateway.connect({ receive: (f) => got.push(`gw:${f[0]}`) });
  n.guest.connect({ receive: (f) => got.push(`guest:${f[0]}`) });
  n.guest.send(new Uint8Array(60).fill(1));
  n.gateway.send(new Uint8Array(60).fill(2));
  assert.deepEqual(got, ["gw:1", "guest:2"]);
});
