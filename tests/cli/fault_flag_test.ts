import assert from "node:assert/strict";
import {
  FaultFlagError,
  nicFaultSpec,
  parseDuration,
  parseFaultFlags,
  parseRate,
} from "../../cli/fault_flag.ts";

const bad = (values: string[], msg: string) =>
  assert.throws(() => parseFaultFlags(values), (e: unknown) => {
    assert.ok(e instanceof FaultFlagError, String(e));
    assert.equal((e as Error).message, msg);
    return true;
  });

Deno.test("--fault: netem's words set both directions of the NIC", () => {
  const f = parseFaultFlags(["loss=10%,duplicate=5%,reorder=20%,corrupt=1%"]);
  const both = { loss: 0.1, duplicate: 0.05, reorder: 0.2, corrupt: 0.01 };
  assert.deepEqual(f, { tx: both, rx: both });
});

Deno.test("--fault: durations, rate and limit become the filter's fields", () => {
  const f = parseFaultFlags(["latency=50ms,jitter=10ms,rate=1mbit,limit=100,reorder-delay=2ms"]);
  const c = {
    latencyNs: 50_000_000,
    jitterNs: 10_000_000,
    bandwidthBps: 1_000_000,
    queueLimit: 100,
    reorderDelayNs: 2_000_000,
  };
  assert.deepEqual(f, { tx: c, rx: c });
  assert.deepEqual(parseFaultFlags(["delay=1.5s"]).tx, { latencyNs: 1_500_000_000 });
  assert.equal(parseDuration("x", "200us"), 200_000);
  assert.equal(parseDuration("x", "7ns"), 7);
  assert.equal(parseRate("x", "2mbps"), 16_000_000, "bytes per second, as tc");
  assert.equal(parseRate("x", "500kbit"), 500_000);
  assert.equal(parseRate("x", "1Gbit"), 1e9);
});

Deno.test("--fault: tx: and rx: prefixes set one direction; repeated flags add up", () => {
  const f = parseFaultFlags(["tx:loss=0.5", "rx:latency=5ms", "corrupt=1%"]);
  assert.deepEqual(f, {
    tx: { loss: 0.5, corrupt: 0.01 },
    rx: { latencyNs: 5_000_000, corrupt: 0.01 },
  });
});

Deno.test("--fault: blk: sets the disk's EIO ranges, torn writes and latency", () => {
  const f = parseFaultFlags(["blk:eio=100-199,eio=4096-4096:write,torn=8-15,latency=2ms"]);
  assert.deepEqual(f, {
    blk: {
      eio: [{ first: 100, last: 199 }, { first: 4096, last: 4096, op: "write" }],
      torn: [{ first: 8, last: 15 }],
      latencyNs: 2_000_000,
    },
  });
});

Deno.test("--fault: every malformed value is one line naming the key", () => {
  bad([""], `"" sets no fault (e.g. loss=10%)`);
  bad(["tx:"], `"tx:" sets no fault (e.g. loss=10%)`);
  bad(["loss"], `"loss" is not KEY=VALUE (e.g. loss=10%)`);
  bad(["loss="], `"loss=" is not KEY=VALUE (e.g. loss=10%)`);
  bad(["=5"], `"=5" is not KEY=VALUE (e.g. loss=10%)`);
  bad(["loss=10%,"], `"" is not KEY=VALUE (e.g. loss=10%)`);
  bad(
    ["drop=1%"],
    "drop: unknown fault (loss, duplicate, reorder, corrupt, latency, delay, jitter, " +
      "reorder-delay, rate, limit)",
  );
  bad(["loss=110%"], `loss: "110%" is not a probability (0..1 or 0%..100%)`);
  bad(["tx:duplicate=2"], `tx:duplicate: "2" is not a probability (0..1 or 0%..100%)`);
  bad(["corrupt=-1%"], `corrupt: "-1%" is not a probability (0..1 or 0%..100%)`);
  bad(["latency=50"], `latency: "50" needs a unit (ns, us, ms or s)`);
  bad(["jitter=5min"], `jitter: unknown unit "min" in "5min" (ns, us, ms or s)`);
  bad(["rx:latency=fast"], `rx:latency: "fast" is not a duration like 50ms`);
  bad(["latency=2h"], `latency: unknown unit "h" in "2h" (ns, us, ms or s)`);
  bad(["latency=3601s"], `latency: "3601s" is longer than an hour`);
  bad(
    ["rate=10"],
    `rate: "10" needs a unit (bit, kbit, mbit, gbit; bps, kbps, mbps, gbps are bytes/s)`,
  );
  bad(["rate=fast"], `rate: "fast" is not a rate like 1mbit`);
  bad(["rate=0.1bit"], `rate: "0.1bit" is below 1 bit per second`);
  bad(["limit=0"], `limit: "0" is not a frame count from 1 to 1000000`);
  bad(["limit=2.5"], `limit: "2.5" is not a frame count from 1 to 1000000`);
  bad(["loss=1%,loss=2%"], "loss: given twice for tx");
  bad(["tx:loss=1%", "loss=2%"], "loss: given twice for tx");
  bad(["rx:loss=1%", "rx:loss=2%"], "rx:loss: given twice for rx");
  bad(["latency=1ms,delay=2ms"], "delay: given twice for tx");
  bad(["blk:loss=1%"], "blk:loss: unknown disk fault (eio, torn, latency)");
  bad(["blk:eio=5"], `blk:eio: "5" is not a sector range FIRST-LAST[:read|:write]`);
  bad(["blk:eio=5-1"], `blk:eio: "5-1": the last sector comes before the first`);
  bad(["blk:eio=1-2:trim"], `blk:eio: "1-2:trim" is not a sector range FIRST-LAST[:read|:write]`);
  bad(["blk:torn=1-2:read"], `blk:torn: only writes can be torn (drop ":read")`);
  bad(["blk:latency=1ms,latency=2ms"], "blk:latency: given twice");
  bad(["blk:latency=2"], `blk:latency: "2" needs a unit (ns, us, ms or s)`);
});

Deno.test("--fault with --loss/--latency: one spec per direction; a field set twice is an error", () => {
  assert.equal(nicFaultSpec(undefined, {}), undefined);
  const legacy = { loss: 0.05 };
  assert.equal(nicFaultSpec(legacy, {}), legacy, "without --fault the old flags stand");
  assert.deepEqual(nicFaultSpec(legacy, parseFaultFlags(["tx:corrupt=1%"])), {
    tx: { corrupt: 0.01, loss: 0.05 },
    rx: { loss: 0.05 },
  });
  assert.throws(
    () => nicFaultSpec(legacy, parseFaultFlags(["loss=1%"])),
    (e: unknown) => e instanceof FaultFlagError && e.message === "loss is set by --loss too",
  );
  assert.throws(
    () => nicFaultSpec({ latencyNs: 1 }, parseFaultFlags(["delay=1ms"])),
    /latency is set by --latency too/,
  );
});

Deno.test("--fault tx:/rx: reach the NIC chain as two directions of one filter", async () => {
  const { createMachine } = await import("../../arch/machine.ts");
  const { attachNic } = await import("../../arch/netdev/chain.ts");
  const { Wire } = await import("../../arch/netdev/wire.ts");
  const { Prng } = await import("../../sched/mod.ts");
  const f = parseFaultFlags(["tx:loss=100%", "rx:latency=1ms"]);
  const m = createMachine();
  const wire = new Wire(null);
  const chain = attachNic(m, {
    medium: wire.a,
    fault: nicFaultSpec(undefined, f),
    faultPrng: new Prng(1),
  });
  assert.deepEqual(chain.fault!.config("tx"), { loss: 1 });
  assert.deepEqual(chain.fault!.config("rx"), { latencyNs: 1_000_000 });
  let got = 0;
  wire.b.connect({ receive: () => got++ });
  chain.fault!.send(new Uint8Array(60));
  assert.equal(got, 0, "tx loses every frame");
  assert.equal(chain.fault!.stats("tx").lost, 1);
});
