import assert from "node:assert/strict";
import { formatIfFlags, formatInterface, ifconfig } from "../../apps/ifconfig.ts";
import { formatRoutes, formatSockets, netstat } from "../../apps/netstat.ts";
import { ping } from "../../apps/ping.ts";
import { runApps, runAppsOnTwo } from "./app_harness.ts";

Deno.test("ifconfig: flags print in hex with NetBSD's names in bit order", () => {
  assert.equal(formatIfFlags(0x8843), "flags=0x8843<UP,BROADCAST,RUNNING,SIMPLEX,MULTICAST>");
  assert.equal(formatIfFlags(0x8049), "flags=0x8049<UP,LOOPBACK,RUNNING,MULTICAST>");
});

Deno.test("ifconfig: an interface block has flags and mtu, address, inet with prefix and broadcast", () => {
  const info = {
    name: "vioif0",
    index: 2,
    flags: 0x8843,
    mtu: 1500,
    mac: "52:54:00:12:34:56",
    addrs: [{
      addr: "10.0.2.15",
      netmask: "255.255.255.0",
      prefixLen: 24,
      broadcast: "10.0.2.255",
    }],
    ipackets: 3,
    ibytes: 180,
    opackets: 2,
    obytes: 120,
  };
  assert.equal(
    formatInterface(info, false),
    "vioif0: flags=0x8843<UP,BROADCAST,RUNNING,SIMPLEX,MULTICAST> mtu 1500\n" +
      "\taddress: 52:54:00:12:34:56\n" +
      "\tinet 10.0.2.15/24 broadcast 10.0.2.255 flags 0x0\n",
  );
  const v = formatInterface(info, true);
  assert.match(v, /\tinet 10\.0\.2\.15\/24 broadcast 10\.0\.2\.255 flags 0x0 netmask 0xffffff00\n/);
  assert.match(v, /\tinput: 3 packets, 180 bytes, 0 errors, 0 queue drops\n/);
  assert.match(v, /\toutput: 2 packets, 120 bytes, 0 errors, 0 collisions\n/);
});

Deno.test("ifconfig: lists lo0 and the wired interface of a running kernel, counters with -v", () => {
  const run = runAppsOnTwo([ifconfig, ping], function* (c) {
    yield* c.run(["ping", "-q", "-c", "1", "10.0.0.2"]);
    return [yield* c.run(["ifconfig", "-v", "shmif0"]), yield* c.run(["ifconfig", "-a"])];
  });
  assert.deepEqual(run.valueA, [0, 0]);
  const out = run.consoleA;
  assert.match(out, /^shmif0: flags=0x[0-9a-f]+<UP,BROADCAST,RUNNING,[A-Z,]*MULTICAST> mtu 1500$/m);
  assert.match(out, /^\taddress: 52:54:00:00:00:0a$/m);
  assert.match(
    out,
    /^\tinet 10\.0\.0\.1\/24 broadcast 10\.0\.0\.255 flags 0x0 netmask 0xffffff00$/m,
  );
  assert.match(out, /^\tinput: [1-9]\d* packets, [1-9]\d* bytes, 0 errors, 0 queue drops$/m);
  assert.match(out, /^lo0: flags=0x[0-9a-f]+<UP,LOOPBACK,RUNNING,MULTICAST> mtu \d+$/m);
  assert.match(out, /^\tinet 127\.0\.0\.1\/8 flags 0x0$/m);
});

Deno.test("ifconfig: an unknown interface exits 1 with NetBSD's message; configuring is refused", () => {
  const run = runApps([ifconfig], function* (c) {
    return [yield* c.run(["ifconfig", "nope0"]), yield* c.run(["ifconfig", "lo0", "10.1.1.1"])];
  });
  assert.deepEqual(run.value, [1, 1]);
  assert.match(run.console, /ifconfig: interface nope0 does not exist\n/);
  assert.match(run.console, /ifconfig: configuring an interface is not supported/);
});

Deno.test("netstat: the socket table has NetBSD's header and hides servers without -a", () => {
  const list = [
    { proto: "tcp", local: "10.0.0.1.80", foreign: "*.*", state: "LISTEN", recvQ: 0, sendQ: 0 },
    {
      proto: "tcp",
      local: "10.0.0.1.80",
      foreign: "10.0.0.2.65000",
      state: "ESTABLISHED",
      recvQ: 12,
      sendQ: 3400,
    },
  ];
  const hdr = "Proto Recv-Q Send-Q  Local Address          Foreign Address        State\n";
  assert.equal(
    formatSockets(list, false),
    "Active Internet connections\n" + hdr +
      "tcp       12   3400  10.0.0.1.80            10.0.0.2.65000         ESTABLISHED\n",
  );
  assert.equal(
    formatSockets(list, true).split("\n")[2],
    "tcp        0      0  10.0.0.1.80            *.*                    LISTEN",
  );
});

Deno.test("netstat: -r prints the routing table in columns", () => {
  assert.equal(
    formatRoutes([{
      destination: "default",
      gateway: "10.0.2.2",
      flags: "UGS",
      refs: 0,
      use: 5,
      mtu: 1500,
      interface: "vioif0",
    }]),
    "Routing tables\n\nInternet:\n" +
      "Destination        Gateway            Flags    Refs      Use    Mtu Interface\n" +
      "default            10.0.2.2           UGS         0        5   1500 vioif0\n",
  );
});

Deno.test("netstat: -s counts the pings in ip and icmp wording, -a shows the raw socket, -r the routes", () => {
  const run = runApps([netstat, ping], function* (c) {
    c.start(["ping", "-q", "-c", "100", "-i", "1", "127.0.0.1"]);
    yield* c.sleepMs(2500); // ping is between echoes 2 and 3, its socket open
    const a = yield* c.run(["netstat", "-a"]);
    const s = yield* c.run(["netstat", "-s", "-p", "icmp"]);
    const ip = yield* c.run(["netstat", "-s"]);
    const r = yield* c.run(["netstat", "-r"]);
    return [a, s, ip, r, yield* c.run(["netstat", "-s", "-p", "xyz"])];
  });
  assert.deepEqual(run.value, [0, 0, 0, 0, 1]);
  const out = run.console;
  assert.match(out, /^Active Internet connections \(including servers\)$/m);
  assert.match(out, /^raw\/1 +0 +0 {2}\*\.\* +\*\.\*/m);
  assert.match(out, /^icmp:\n\t0 calls to icmp_error\n/m);
  assert.match(out, /^\tOutput histogram:\n\t\techo reply: 3\n/m);
  assert.match(out, /^\tInput histogram:\n\t\techo reply: 3\n\t\techo: 3\n/m);
  assert.match(out, /^\t3 message responses generated$/m);
  assert.match(out, /^ip:\n\t\d+ total packets received\n/m);
  assert.match(out, /^\t\d+ packets sent from this host$/m);
  assert.match(out, /^udp:\n\t0 datagrams received\n/m);
  assert.match(out, /^\t0 delivered$/m);
  assert.match(out, /^127\.0\.0\.0\/8 +link#\d+ +U\w* /m);
  assert.match(out, /netstat: xyz: unknown protocol/);
});
