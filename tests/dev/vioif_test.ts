import assert from "node:assert/strict";
import { createMachine } from "../../arch/machine.ts";
import { FaultFilter } from "../../arch/netdev/fault.ts";
import { PcapFilter } from "../../arch/netdev/pcap.ts";
import { Wire } from "../../arch/netdev/wire.ts";
import { attachVirtioNet } from "../../arch/virtio/attach.ts";
import { rumpdev_pci } from "../../dev/pci_component.ts";
import { type Vioif, VIOIF_NBUF, VIOIF_RX_PROCESS_LIMIT, vioifUnits } from "../../dev/vioif.ts";
import { rumpdev_vioif } from "../../dev/vioif_component.ts";
import { vringSize } from "../../dev/virtio.ts";
import type { Blocking } from "../../kernel/hypercall/rumpuser.ts";
import type { Image } from "../../kernel/syscall/image.ts";
import { rumpInit } from "../../kernel/kern/init.ts";
import type { Kernel } from "../../kernel/kern/kernel.ts";
import { loadAndBoot } from "../../rumprun/run.ts";
import { ENOBUFS } from "../../kernel/kern/errno.ts";
import { vringLayout } from "../../arch/virtio/virtqueue.ts";
import { netConfigure, rumpnet, rumpnet_net } from "../../net/netinet_init.ts";
import { netstack } from "../../net/netstack.ts";
import { Prng } from "../../sched/mod.ts";

const OUR_MAC = [0x52, 0x54, 0x00, 0x12, 0x34, 0x56];
const PEER_MAC = [0x52, 0x54, 0x00, 0x12, 0x34, 0x57];

const image: Image = {
  name: "vioif-test",
  description: "vioif on a wire",
  components: [rumpnet, rumpnet_net, rumpdev_pci, rumpdev_vioif],
  apps: [],
  config: {},
};

/** ARP request from the peer (10.0.2.2): who has 10.0.2.15? */
function arpWhoHas(): Uint8Array {
  const f = new Uint8Array(60);
  f.set([0xff, 0xff, 0xff, 0xff, 0xff, 0xff], 0);
  f.set(PEER_MAC, 6);
  f.set([0x08, 0x06, 0, 1, 0x08, 0, 6, 4, 0, 1], 12);
  f.set(PEER_MAC, 22);
  f.set([10, 0, 2, 2], 28);
  f.set([10, 0, 2, 15], 38);
  return f;
}

/** Boots a machine with a vioif on a wire; `body` runs on a kernel thread after rump_init. */
async function bootWithNic(
  body: (k: Kernel, peer: { send(f: Uint8Array): void; got: Uint8Array[] }) => Blocking<void>,
  opts: { pcap?: (b: Uint8Array) => void; queueSize?: number } = {},
) {
  let out = "";
  const dec = new TextDecoder();
  const m = createMachine({ console: (b) => (out += dec.decode(b)) });
  const wire = new Wire(null);
  const nearEnd = opts.pcap ? new PcapFilter(wire.a, m.sched, opts.pcap) : wire.a;
  const nic = attachVirtioNet(m, {
    mac: "52:54:00:12:34:56",
    netdev: nearEnd,
    queueSize: opts.queueSize,
  });
  const got: Uint8Array[] = [];
  wire.b.connect({ receive: (f) => got.push(f) });
  const b = loadAndBoot(m, image, { seed: 5 });
  const k = b.kernel;
  let error: unknown;
  k.threadCreate("main", function* () {
    try {
      yield* rumpInit(k, image.components);
      yield* body(k, { send: (f) => wire.b.send(f), got });
    } catch (e) {
      error = e;
    }
    k.hyp.exit(0);
  });
  const result = await m.sched.run();
  m.uart.flush();
  if (error) throw error;
  assert.equal(result.kind, "halted", JSON.stringify(result));
  return { out: out.replaceAll("\r\n", "\n"), nic, k, got, machine: m };
}

Deno.test("vioif: the driver's ring size agrees with the device's legacy layout", () => {
  for (const n of [8, 64, 128, 256, 1024]) {
    assert.equal(vringSize(n), vringLayout(n).total, `size ${n}`);
  }
});

Deno.test("vioif: attaches at pci0 dev 3 and prints the Ethernet address", async () => {
  let ifInfo = "";
  const r = await bootWithNic(function* (k) {
    const ifp = netstack(k).ifunit("vioif0");
    ifInfo = ifp ? `${ifp.mac} mtu ${ifp.mtu}` : "none";
  });
  const lines = r.out.split("\n");
  const at = lines.indexOf(
    "vioif0 at pci0 dev 3 function 0: Qumranet Virtio Network Device (rev. 0x00)",
  );
  assert.ok(at >= 0, r.out);
  assert.equal(lines[at + 1], "vioif0: Ethernet address 52:54:00:12:34:56");
  assert.equal(ifInfo, "52:54:00:12:34:56 mtu 1500");
  assert.ok(r.nic.transport.live);
  assert.equal(r.nic.transport.guestFeatures, (1 << 5) | (1 << 16));
});

Deno.test("vioif: frames go out through the wire and come in to if_input", async () => {
  const inputs: Uint8Array[] = [];
  const r = await bootWithNic(function* (k, peer) {
    const s = netstack(k);
    const ifp = s.ifunit("vioif0")!;
    const link = ifp.linkInput;
    ifp.linkInput = (i, f) => {
      inputs.push(f);
      link(i, f);
    };
    // Up with an address: the stack announces it with a gratuitous ARP.
    netConfigure(k, { ifname: "vioif0", addr: "10.0.2.15/24" });
    yield* k.sleep(1_000_000);
    // The peer asks for us; the stack answers through the driver.
    peer.send(arpWhoHas());
    yield* k.sleep(1_000_000);
  });
  assert.equal(inputs.length, 1);
  assert.deepEqual(inputs[0], arpWhoHas());
  assert.ok(r.got.length >= 2, `frames on the wire: ${r.got.length}`);
  const announce = r.got[0];
  assert.deepEqual([...announce.subarray(6, 12)], OUR_MAC);
  assert.deepEqual([...announce.subarray(12, 14)], [0x08, 0x06]);
  const reply = r.got.find((f) => f[21] === 2)!; // ARP opcode reply
  assert.ok(reply, "an ARP reply came out");
  assert.deepEqual([...reply.subarray(0, 6)], PEER_MAC);
  assert.deepEqual([...reply.subarray(28, 32)], [10, 0, 2, 15]);
  assert.equal(r.nic.stats.rxFrames, 1);
  assert.equal(r.nic.stats.txFrames, r.got.length);
});

Deno.test("vioif: a full transmit ring queues frames on if_snd and sends them all, in order", async () => {
  const QS = 16;
  const results: number[] = [];
  let stats!: Vioif;
  const r = await bootWithNic(function* (k) {
    const s = netstack(k);
    const ifp = s.ifunit("vioif0")!;
    s.setUp(ifp, true);
    const v = vioifUnits(k).get("vioif0")!;
    v.ifqMaxlen = 8;
    // Nothing yields, so the device has no chance to drain the ring in between: 16 go into
    // the ring, 8 wait on the send queue, the last 3 find the queue full.
    for (let i = 0; i < QS + 8 + 3; i++) {
      const f = new Uint8Array(60);
      f.set(PEER_MAC, 0);
      f.set(OUR_MAC, 6);
      f[14] = i;
      results.push(ifp.sendFrame(f));
    }
    assert.equal(v.ifqLen, 8);
    yield* k.sleep(1_000_000);
    // The transmit-complete interrupt moved the queue into the ring.
    assert.equal(v.ifqLen, 0);
    results.push(ifp.sendFrame(new Uint8Array(60)));
    yield* k.sleep(1_000_000);
    assert.equal(ifp.data.oerrors, 3);
    stats = v;
  }, { queueSize: QS });
  assert.equal(stats.stats.txRingFull, 8);
  assert.equal(stats.stats.ifqDrops, 3);
  assert.equal(stats.stats.ifqMaxDepth, 8);
  assert.deepEqual(results.slice(0, QS + 8), new Array(QS + 8).fill(0));
  assert.deepEqual(results.slice(QS + 8), [ENOBUFS, ENOBUFS, ENOBUFS, 0]);
  assert.equal(r.got.length, QS + 8 + 1);
  assert.deepEqual(r.got.slice(0, QS + 8).map((f) => f[14]), [...Array(QS + 8).keys()]);
});

Deno.test("vioif: at half its send queue the ifnet is busy (IFF_OACTIVE), ready again once drained", async () => {
  const QS = 16;
  const seen: boolean[] = [];
  let ready = 0;
  await bootWithNic(function* (k) {
    const s = netstack(k);
    const ifp = s.ifunit("vioif0")!;
    s.setUp(ifp, true);
    const v = vioifUnits(k).get("vioif0")!;
    v.ifqMaxlen = 8;
    const stackReady = ifp.onSndReady;
    ifp.onSndReady = (i) => {
      ready++;
      stackReady(i);
    };
    const f = new Uint8Array(60);
    f.set(PEER_MAC, 0);
    f.set(OUR_MAC, 6);
    // The ring takes 16; then 3 wait (not busy yet), the 4th reaches half of 8.
    for (let i = 0; i < QS + 4; i++) {
      assert.equal(ifp.sendFrame(f), 0);
      seen.push(ifp.sndBusy);
    }
    assert.equal(ready, 0);
    yield* k.sleep(1_000_000);
    assert.equal(v.ifqLen, 0);
    assert.equal(ifp.sndBusy, false);
    assert.equal(ready, 1, "told once that the queue drained");
  }, { queueSize: QS });
  assert.deepEqual(seen, [...new Array(QS + 3).fill(false), true]);
});

Deno.test("vioif: a pass takes rxProcessLimit received frames and defers the rest, all delivered in order", async () => {
  const N = 200;
  let v!: Vioif;
  let ipackets = 0;
  const r = await bootWithNic(function* (k, peer) {
    const s = netstack(k);
    const ifp = s.ifunit("vioif0")!;
    s.setUp(ifp, true);
    s.addAddress(ifp, 0x0a00020f, 24); // 10.0.2.15: it answers who-has
    v = vioifUnits(k).get("vioif0")!;
    // N requests from N different senders (10.0.2.20 ...), all in the ring at once.
    for (let i = 0; i < N; i++) {
      const f = arpWhoHas();
      f[31] = 20 + i;
      peer.send(f);
    }
    yield* k.sleep(1_000_000);
    ipackets = ifp.data.ipackets;
  });
  assert.equal(ipackets, N);
  assert.equal(v.stats.rxDeferred, Math.ceil(N / VIOIF_RX_PROCESS_LIMIT) - 1);
  const replies = r.got.filter((f) => f[12] === 0x08 && f[13] === 0x06 && f[21] === 2);
  assert.deepEqual(replies.map((f) => f[41]), Array.from({ length: N }, (_, i) => 20 + i));
});

Deno.test("vioif: with the default queue a burst of twice the ring is sent without a drop", async () => {
  const r = await bootWithNic(function* (k) {
    const s = netstack(k);
    const ifp = s.ifunit("vioif0")!;
    s.setUp(ifp, true);
    const f = new Uint8Array(60);
    f.set(PEER_MAC, 0);
    f.set(OUR_MAC, 6);
    for (let i = 0; i < 2 * VIOIF_NBUF; i++) assert.equal(ifp.sendFrame(f), 0);
    yield* k.sleep(1_000_000);
    assert.equal(ifp.data.oerrors, 0);
  });
  assert.equal(r.got.length, 2 * VIOIF_NBUF);
});

Deno.test("vioif: more frames than posted buffers overrun the device, and the driver reposts", async () => {
  const r = await bootWithNic(function* (k, peer) {
    const s = netstack(k);
    s.setUp(s.ifunit("vioif0")!, true);
    const f = arpWhoHas();
    f[41] = 99; // for 10.0.2.99: nobody answers
    for (let i = 0; i < VIOIF_NBUF + 10; i++) peer.send(f);
    yield* k.sleep(1_000_000);
    for (let i = 0; i < 10; i++) peer.send(f);
    yield* k.sleep(1_000_000);
  });
  assert.equal(r.nic.stats.rxOverruns, 10);
  assert.equal(r.nic.stats.rxFrames, VIOIF_NBUF + 10);
});

Deno.test("vioif: its buffers follow the device's queue size (the whole receive ring is posted)", async () => {
  const QS = 64;
  const sent: number[] = [];
  const r = await bootWithNic(function* (k, peer) {
    const s = netstack(k);
    const ifp = s.ifunit("vioif0")!;
    s.setUp(ifp, true);
    const f = arpWhoHas();
    f[41] = 99; // for 10.0.2.99: nobody answers
    for (let i = 0; i < QS + 3; i++) peer.send(f);
    const out = new Uint8Array(60);
    out.set(PEER_MAC, 0);
    out.set(OUR_MAC, 6);
    for (let i = 0; i < QS + 2; i++) sent.push(ifp.sendFrame(out));
    assert.equal(vioifUnits(k).get("vioif0")!.ifqLen, 2, "a transmit buffer per descriptor");
    yield* k.sleep(1_000_000);
  }, { queueSize: QS });
  assert.equal(r.nic.stats.rxFrames, QS, "every descriptor had a buffer");
  assert.equal(r.nic.stats.rxOverruns, 3);
  assert.equal(sent.filter((x) => x === 0).length, QS + 2);
  assert.equal(r.got.length, QS + 2);
});

Deno.test("vioif: a pcap of the wire is byte-identical across runs with the same seed", async () => {
  const capture = async () => {
    const chunks: Uint8Array[] = [];
    await bootWithNic(function* (k, peer) {
      netConfigure(k, { ifname: "vioif0", addr: "10.0.2.15/24" });
      yield* k.sleep(1_000_000);
      peer.send(arpWhoHas());
      yield* k.sleep(1_000_000);
    }, { pcap: (b) => chunks.push(b) });
    return chunks.map((c) => [...c].join(",")).join(";");
  };
  const a = await capture();
  const b = await capture();
  assert.equal(a, b);
  assert.ok(a.split(";").length >= 4, "header and at least three records");
});

Deno.test("vioif: filters stack NIC ↔ pcap ↔ fault ↔ wire, the capture seeing what the NIC sent", () => {
  // Without a kernel: the stacking order alone.
  const m = createMachine();
  const wire = new Wire(null);
  const fault = new FaultFilter(wire.a, m.sched, new Prng(1), { tx: { loss: 1 } });
  const chunks: Uint8Array[] = [];
  const pcap = new PcapFilter(fault, m.sched, (b) => chunks.push(b));
  const got: Uint8Array[] = [];
  wire.b.connect({ receive: (f) => got.push(f) });
  pcap.connect({ receive: () => {} });
  pcap.send(arpWhoHas());
  assert.equal(chunks.length, 2, "recorded before the loss");
  assert.equal(got.length, 0);
  assert.equal(fault.stats("tx").lost, 1);
});
