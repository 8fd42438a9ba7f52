import assert from "node:assert/strict";
import { bulk } from "../../apps/bulk.ts";
import type { FaultConfig } from "../../arch/netdev/fault.ts";
import { client, server, world } from "../../images/net_demo.ts";
import type { Image } from "../../kernel/syscall/image.ts";
import { runWorld, type WorldOptions } from "../../rumprun/world.ts";

async function run(opts: WorldOptions = {}, machines = world.machines) {
  let out = "";
  const pcap: Uint8Array[] = [];
  const r = await runWorld(machines, {
    ...opts,
    console: (b) => (out += new TextDecoder().decode(b)),
    pcap: (b) => pcap.push(b.slice()),
  });
  const bytes = new Uint8Array(pcap.reduce((n, b) => n + b.length, 0));
  pcap.reduce((off, b) => (bytes.set(b, off), off + b.length), 0);
  return { ...r, out: out.replaceAll("\r\n", "\n"), pcap: bytes };
}

Deno.test("net-demo: the client pings the server, fetches a page and prints netstat -s", async () => {
  const r = await run({ seed: 3 });
  assert.equal(r.status, 0, r.out);
  const want = [
    /^server: vioif0 at pci0 dev 3 function 0: Qumranet Virtio Network Device/m,
    /^client: vioif0: Ethernet address 52:54:00:00:00:02$/m,
    /^client: 64 bytes from 10\.0\.0\.1: icmp_seq=2 ttl=64 time=/m,
    /^client: 3 packets transmitted, 3 packets received, 0\.0% packet loss$/m,
    /^server: 10\.0\.0\.2 - - \[01\/Jan\/2024:00:00:0\d \+0000\] "GET \/version HTTP\/1\.1" 200 \d+$/m,
    /^client: HTTP\/1\.1 200 OK$/m,
    /^client: NetBSD 10\.0 \(RUMPSIM\)/m,
    /^client: tcp:$/m,
  ];
  for (const re of want) assert.match(r.out, re);
  for (const line of r.out.split("\n").filter((l) => l)) {
    assert.match(line, /^(server|client): /, "every console line names its machine");
  }
});

Deno.test("net-demo: an epoch sets both machines' clocks and the capture's timestamps", async () => {
  const epochMs = Date.UTC(2030, 0, 1);
  const r = await run({ seed: 3, epochMs });
  assert.equal(r.status, 0, r.out);
  assert.match(r.out, /^server: rtc0 at mainbus0: mc146818 RTC, 2030-01-01T00:00:00Z$/m);
  assert.match(r.out, /^client: rtc0 at mainbus0: mc146818 RTC, 2030-01-01T00:00:00Z$/m);
  const sec = new DataView(r.pcap.buffer).getUint32(24, true);
  assert.ok(sec >= epochMs / 1000 && sec < epochMs / 1000 + 60, `first record at ${sec}`);
});

Deno.test("net-demo: the same seed gives a byte-identical capture and console", async () => {
  const a = await run({ seed: 11 });
  const b = await run({ seed: 11 });
  assert.ok(a.pcap.length > 1000);
  assert.deepEqual(a.pcap, b.pcap);
  assert.equal(a.out, b.out);
  const c = await run({ seed: 12 });
  assert.notDeepEqual(a.pcap, c.pcap, "another seed: other ISNs, other bytes");
});

const HAVE_TSHARK = (() => {
  try {
    return new Deno.Command("tshark", { args: ["-v"], stdout: "null", stderr: "null" }).outputSync()
      .success;
  } catch {
    return false;
  }
})();

Deno.test({
  name: "net-demo: tshark reads the capture and finds no malformed packet and no bad checksum",
  ignore: !HAVE_TSHARK,
  async fn() {
    const r = await run({ seed: 5 });
    const file = await Deno.makeTempFile({ suffix: ".pcap" });
    try {
      await Deno.writeFile(file, r.pcap);
      const tshark = (...args: string[]) =>
        new Deno.Command("tshark", { args: ["-r", file, ...args], stdout: "piped", stderr: "null" })
          .outputSync();
      const all = new TextDecoder().decode(tshark().stdout);
      assert.match(all, /Echo \(ping\) reply/);
      assert.match(all, /HTTP\/1\.1 200 OK/);
      const bad = tshark(
        ..."-o ip.check_checksum:TRUE -o tcp.check_checksum:TRUE -o udp.check_checksum:TRUE".split(
          " ",
        ),
        "-Y",
        '_ws.malformed || ip.checksum.status == "Bad" || tcp.checksum.status == "Bad" || ' +
          'udp.checksum.status == "Bad" || icmp.checksum.status == "Bad"',
      );
      assert.ok(bad.success);
      assert.equal(new TextDecoder().decode(bad.stdout).trim(), "");
    } finally {
      await Deno.remove(file);
    }
  },
});

function bulkPair(
  bytes: number,
): [{ name: string; image: Image; mac: string }, { name: string; image: Image; mac: string }] {
  const recv: Image = {
    ...server,
    name: "bulk-recv",
    apps: [{ app: bulk, argv: ["recv", "9000"] }],
  };
  const send: Image = {
    ...client,
    name: "bulk-send",
    apps: [{ app: bulk, argv: ["send", "10.0.0.1", "9000", String(bytes)] }],
  };
  return [
    { name: "recv", image: recv, mac: "52:54:00:00:00:01" },
    { name: "send", image: send, mac: "52:54:00:00:00:02" },
  ];
}

for (
  const [label, bytes, fault] of [
    ["0% loss", 10 * 1024 * 1024, undefined],
    ["5% loss with duplication and reordering", 10 * 1024 * 1024, {
      loss: 0.05,
      duplicate: 0.02,
      reorder: 0.05,
      reorderDelayNs: 2e6,
    }],
    ["20% loss with duplication and reordering", 10 * 1024 * 1024, {
      loss: 0.2,
      duplicate: 0.02,
      reorder: 0.05,
      reorderDelayNs: 2e6,
    }],
  ] as [string, number, FaultConfig | undefined][]
) {
  Deno.test(`bulk: ${bytes / 1048576} MiB between two machines arrives byte-exact at ${label}`, async () => {
    let out = "";
    const r = await runWorld(bulkPair(bytes), {
      seed: 21,
      fault,
      console: (b) => (out += new TextDecoder().decode(b)),
    });
    assert.equal(r.status, 0, out.slice(-2000));
    assert.match(out, new RegExp(`^send: bulk: sent ${bytes} bytes`, "m"));
    // The receiver checked every byte of the pattern (it exits 1 on the first bad byte).
    assert.match(out, new RegExp(`^recv: bulk: received ${bytes} bytes in [\\d.]+ s`, "m"));
    assert.doesNotMatch(out, /^recv: .*(corrupt|mismatch|short)/m);
  });
}
