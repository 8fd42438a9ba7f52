/**
 * web/packets.ts: the packet list's rows from a libpcap stream, chunk by chunk.
 */
import assert from "node:assert/strict";
import { PcapRows } from "../../web/packets.ts";
import { pcapGlobalHeader, pcapRecord } from "../../arch/netdev/pcap.ts";

/** An Ethernet frame carrying an ICMP echo request 10.0.0.2 → 10.0.0.1 (id 1, seq 0). */
function echoFrame(): Uint8Array {
  const f = new Uint8Array(14 + 20 + 8);
  f.set([0x52, 0x54, 0, 0, 0, 1, 0x52, 0x54, 0, 0, 0, 2, 0x08, 0x00]);
  const ip = [0x45, 0, 0, 28, 0, 1, 0, 0, 64, 1, 0, 0, 10, 0, 0, 2, 10, 0, 0, 1];
  let sum = 0;
  for (let i = 0; i < 20; i += 2) sum += (ip[i] << 8) | ip[i + 1];
  while (sum > 0xffff) sum = (sum & 0xffff) + (sum >>> 16);
  ip[10] = (~sum >> 8) & 0xff;
  ip[11] = ~sum & 0xff;
  f.set(ip, 14);
  const icmp = [8, 0, 0, 0, 0, 1, 0, 0];
  let s2 = 0;
  for (let i = 0; i < 8; i += 2) s2 += (icmp[i] << 8) | icmp[i + 1];
  while (s2 > 0xffff) s2 = (s2 & 0xffff) + (s2 >>> 16);
  icmp[2] = (~s2 >> 8) & 0xff;
  icmp[3] = ~s2 & 0xff;
  f.set(icmp, 34);
  return f;
}

Deno.test("web packets: rows come from records split across chunks, times from the first", () => {
  const rec1 = pcapRecord(1_000_000_000, echoFrame(), 65535, 1704067200);
  const rec2 = pcapRecord(1_250_000_000, new Uint8Array(10), 65535, 1704067200);
  const stream = new Uint8Array([...pcapGlobalHeader(), ...rec1, ...rec2]);
  const p = new PcapRows();
  const rows = [
    ...p.push(stream.subarray(0, 10)),
    ...p.push(stream.subarray(10, 50)),
    ...p.push(stream.subarray(50)),
  ];
  assert.equal(rows.length, 2);
  assert.deepEqual(rows[0], {
    no: 1,
    time: 0,
    length: 42,
    src: "10.0.0.2",
    dst: "10.0.0.1",
    protocol: "ICMP",
    info: "ICMP echo request, id 1, seq 0, length 8",
  });
  // A runt frame is shown as what failed to parse, never thrown.
  assert.equal(rows[1].no, 2);
  assert.equal(rows[1].time, 0.25);
  assert.equal(rows[1].protocol, "?");
  assert.match(rows[1].info, /^\[/);
});

Deno.test("web packets: past maxRows frames are counted but not decoded", () => {
  const p = new PcapRows(1);
  const rec = pcapRecord(0, echoFrame());
  const rows = p.push(new Uint8Array([...pcapGlobalHeader(), ...rec, ...rec, ...rec]));
  assert.equal(rows.length, 1);
  assert.equal(p.count, 3);
});
