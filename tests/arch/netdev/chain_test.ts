/**
 * chain_test.ts — the one NIC chain (arch/netdev/chain.ts): the capture sits at the NIC
 * and is stamped with the machine's wall clock (its power-on time plus the scheduler's
 * clock), in virtual time and in realtime; faults sit between the capture and the medium.
 */
import assert from "node:assert/strict";
import { attachNic } from "../../../arch/netdev/chain.ts";
import { Wire } from "../../../arch/netdev/wire.ts";
import { createMachine } from "../../../arch/machine.ts";
import { hostRealtime } from "../../../host/realtime.ts";
import { Prng } from "../../../sched/mod.ts";
import { A, B, frame } from "./frames.ts";

/** Seconds of the first pcap record (after the 24-byte global header). */
function firstRecordSec(chunks: Uint8Array[]): number {
  const rec = chunks[1];
  return new DataView(rec.buffer, rec.byteOffset).getUint32(0, true);
}

Deno.test("chain: a capture is stamped with the machine's power-on time in virtual time", () => {
  const epochMs = Date.UTC(2031, 4, 6, 7, 8, 9);
  const m = createMachine({ epochMs });
  const wire = new Wire(m.sched);
  const pcap: Uint8Array[] = [];
  attachNic(m, { medium: wire.a, pcap: (b) => pcap.push(b.slice()) });
  wire.b.send(frame(A, B));
  assert.equal(pcap.length, 2, "the global header and one record");
  assert.equal(firstRecordSec(pcap), epochMs / 1000);
});

Deno.test("chain: in realtime a capture is stamped with the host's time", () => {
  const m = createMachine({ mode: "realtime", host: hostRealtime() });
  const wire = new Wire(m.sched);
  const pcap: Uint8Array[] = [];
  attachNic(m, { medium: wire.a, pcap: (b) => pcap.push(b.slice()) });
  wire.b.send(frame(A, B));
  const now = Date.now() / 1000;
  assert.ok(Math.abs(firstRecordSec(pcap) - now) <= 2, `${firstRecordSec(pcap)} vs ${now}`);
});

Deno.test("chain: faults sit between the capture and the medium and draw from their stream", () => {
  const m = createMachine();
  const wire = new Wire(m.sched);
  const pcap: Uint8Array[] = [];
  const { fault } = attachNic(m, {
    medium: wire.a,
    pcap: (b) => pcap.push(b.slice()),
    fault: { loss: 1 },
    faultPrng: new Prng(1).fork("test-fault"),
    label: "test",
  });
  wire.b.send(frame(A, B));
  assert.equal(pcap.length, 1, "a frame lost on the way in never reaches the capture");
  assert.equal(fault!.stats("rx").lost, 1);
});

Deno.test("chain: a fault without its random stream is refused", () => {
  const m = createMachine();
  assert.throws(
    () => attachNic(m, { medium: new Wire(m.sched).a, fault: { loss: 0.5 } }),
    /random stream/,
  );
});
