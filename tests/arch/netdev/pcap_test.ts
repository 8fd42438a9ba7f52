import assert from "node:assert/strict";
import { PcapFilter, pcapGlobalHeader, pcapRecord } from "../../../arch/netdev/pcap.ts";
import { Wire } from "../../../arch/netdev/wire.ts";
import { Scheduler } from "../../../sched/mod.ts";
import { A, arpRequest, B, frame } from "./frames.ts";

function concat(chunks: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(chunks.reduce((n, c) => n + c.length, 0));
  let at = 0;
  for (const c of chunks) {
    out.set(c, at);
    at += c.length;
  }
  return out;
}

Deno.test("pcap: the global header is libpcap's, nanosecond magic, Ethernet", () => {
  assert.deepEqual(
    [...pcapGlobalHeader()],
    [
      0x4d,
      0x3c,
      0xb2,
      0xa1, // magic, nanosecond timestamps
      2,
      0,
      4,
      0, // version 2.4
      0,
      0,
      0,
      0, // thiszone
      0,
      0,
      0,
      0, // sigfigs
      0xff,
      0xff,
      0,
      0, // snaplen 65535
      1,
      0,
      0,
      0, // LINKTYPE_ETHERNET
    ],
  );
});

Deno.test("pcap: a record carries seconds, nanoseconds, lengths and the bytes", () => {
  const rec = pcapRecord(1_500_000_007, new Uint8Array([0xde, 0xad, 0xbe, 0xef]));
  assert.deepEqual(
    [...rec],
    [
      1,
      0,
      0,
      0, // ts_sec
      0x07,
      0x65,
      0xcd,
      0x1d, // ts_nsec = 500000007
      4,
      0,
      0,
      0, // incl_len
      4,
      0,
      0,
      0, // orig_len
      0xde,
      0xad,
      0xbe,
      0xef,
    ],
  );
});

Deno.test("pcap: a record is cut at the snaplen but keeps the original length", () => {
  const rec = pcapRecord(0, new Uint8Array(100), 64);
  const v = new DataView(rec.buffer);
  assert.equal(rec.length, 16 + 64);
  assert.equal(v.getUint32(8, true), 64);
  assert.equal(v.getUint32(12, true), 100);
});

Deno.test("pcap: the filter records both directions with virtual-clock timestamps", () => {
  const s = new Scheduler();
  const w = new Wire(null);
  const chunks: Uint8Array[] = [];
  const pcap = new PcapFilter(w.a, s, (b) => chunks.push(b));
  const got: Uint8Array[] = [];
  pcap.connect({ receive: (f) => got.push(f) });
  w.b.connect({ receive: () => {} });
  s.clock.advanceTo(2_000_000_123);
  pcap.send(frame(B, A, 46, 1));
  s.clock.advanceTo(3_000_000_000);
  w.b.send(frame(A, B, 46, 2));
  assert.equal(got.length, 1);
  assert.equal(pcap.out, 1);
  assert.equal(pcap.in, 1);
  const file = concat(chunks);
  assert.equal(file.length, 24 + 2 * (16 + 60));
  const v = new DataView(file.buffer);
  assert.equal(v.getUint32(24, true), 2);
  assert.equal(v.getUint32(28, true), 123);
  assert.equal(file[24 + 16 + 14], 1);
  assert.equal(v.getUint32(24 + 76, true), 3);
  assert.equal(file[24 + 76 + 16 + 14], 2);
});

Deno.test("pcap: tshark reads a capture without calling anything malformed", async (t) => {
  let ok = true;
  try {
    await new Deno.Command("tshark", { args: ["-v"], stdout: "null", stderr: "null" }).output();
  } catch {
    ok = false;
  }
  if (!ok) {
    await t.step({ name: "tshark is not installed; skipped", ignore: true, fn: () => {} });
    return;
  }
  const s = new Scheduler();
  const w = new Wire(null);
  const chunks: Uint8Array[] = [];
  const pcap = new PcapFilter(w.a, s, (b) => chunks.push(b));
  pcap.connect({ receive: () => {} });
  s.clock.advanceTo(1_000_000_500);
  pcap.send(arpRequest());
  s.clock.advanceTo(1_000_100_000);
  pcap.send(arpRequest());
  const path = await Deno.makeTempFile({ suffix: ".pcap" });
  try {
    await Deno.writeFile(path, concat(chunks));
    const out = await new Deno.Command("tshark", {
      args: ["-r", path, "-t", "e"],
      stdout: "piped",
      stderr: "piped",
    }).output();
    const text = new TextDecoder().decode(out.stdout);
    assert.equal(out.code, 0, new TextDecoder().decode(out.stderr));
    assert.doesNotMatch(text, /malformed/i);
    const lines = text.trim().split("\n");
    assert.equal(lines.length, 2);
    assert.match(lines[0], / 1\.000000500 /);
    assert.match(lines[1], / 1\.000100000 /);
    assert.match(lines[0], /Who has 10\.0\.2\.2\? Tell 10\.0\.2\.15/);
  } finally {
    await Deno.remove(path);
  }
});

Deno.test("pcap: an epoch in seconds dates the records", () => {
  const rec = pcapRecord(2_000_000_001, new Uint8Array(0), 65535, 1704067200);
  const v = new DataView(rec.buffer);
  assert.equal(v.getUint32(0, true), 1704067202);
  assert.equal(v.getUint32(4, true), 1);
});
