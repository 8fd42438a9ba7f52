import assert from "node:assert/strict";
import { Switch } from "../../../arch/netdev/switch.ts";
import { Scheduler } from "../../../sched/mod.ts";
import { A, B, BCAST, C, frame } from "./frames.ts";

function setup(opts = {}) {
  const s = new Scheduler();
  const sw = new Switch(s, 3, opts);
  const got: Uint8Array[][] = [[], [], []];
  for (let i = 0; i < 3; i++) sw.port(i).connect({ receive: (f) => got[i].push(f) });
  return { s, sw, got };
}

Deno.test("switch: an unknown unicast destination is flooded to every other port", () => {
  const { sw, got } = setup();
  sw.port(0).send(frame(B, A));
  assert.deepEqual(got.map((g) => g.length), [0, 1, 1]);
  assert.equal(sw.stats.flooded, 1);
});

Deno.test("switch: broadcast is always flooded, even to a learned address's port", () => {
  const { sw, got } = setup();
  sw.port(1).send(frame(A, B));
  sw.port(0).send(frame(BCAST, A));
  assert.deepEqual(got.map((g) => g.length), [1, 1, 2]);
  assert.equal(sw.stats.flooded, 2);
});

Deno.test("switch: a learned address gets its frames on its port only", () => {
  const { sw, got } = setup();
  sw.port(1).send(frame(BCAST, B)); // learns B on port 1
  sw.port(0).send(frame(B, A));
  assert.deepEqual(got.map((g) => g.length), [1, 1, 1]);
  assert.equal(got[1][0][0], B[0]);
  assert.deepEqual(got[1][0].subarray(0, 6), Uint8Array.from(B));
  assert.equal(sw.stats.forwarded, 1);
  assert.deepEqual(sw.table().map((e) => [e.mac, e.port]), [
    ["52:54:00:12:34:56", 0],
    ["52:54:00:12:34:57", 1],
  ]);
});

Deno.test("switch: a frame for the port it came from is filtered", () => {
  const { sw, got } = setup();
  sw.port(2).send(frame(BCAST, C));
  sw.port(2).send(frame(C, A));
  assert.equal(sw.stats.filtered, 1);
  assert.deepEqual(got.map((g) => g.length), [1, 1, 0]);
});

Deno.test("switch: a learned address ages out and is flooded again", () => {
  const { s, sw, got } = setup({ agingNs: 1000 });
  sw.port(1).send(frame(BCAST, B));
  s.clock.advanceTo(2000);
  sw.port(0).send(frame(B, A));
  assert.equal(sw.stats.aged, 1);
  assert.equal(sw.stats.flooded, 2);
  assert.deepEqual(got.map((g) => g.length), [1, 1, 2]);
});

Deno.test("switch: a station that moves is learned on its new port", () => {
  const { sw, got } = setup();
  sw.port(1).send(frame(BCAST, B));
  sw.port(2).send(frame(BCAST, B));
  sw.port(0).send(frame(B, A));
  assert.deepEqual(got.map((g) => g.length), [2, 1, 2]);
  assert.deepEqual(sw.table().find((e) => e.mac === "52:54:00:12:34:57")?.port, 2);
});

Deno.test("switch: runt frames are dropped and counted", () => {
  const { sw, got } = setup();
  sw.port(0).send(new Uint8Array(10));
  assert.equal(sw.stats.runts, 1);
  assert.deepEqual(got.map((g) => g.length), [0, 0, 0]);
});
