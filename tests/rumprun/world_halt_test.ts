/**
 * rumprun/world.ts from outside a running world: `yieldToHost` gives the host's event loop
 * turns without changing a byte of the run, and `onBoot`'s machines can be halted from
 * such a turn (what the page's Halt does), ending the run with a closed, valid trace.
 */
import assert from "node:assert/strict";
import { world } from "../../images/net_demo.ts";
import type { Booted } from "../../rumprun/boot.ts";
import { runWorld, type WorldOptions } from "../../rumprun/world.ts";
import { Tracer } from "../../sched/mod.ts";

/** net-demo with console, pcap and trace collected; the trace is closed after the run. */
async function run(opts: WorldOptions = {}) {
  const dec = new TextDecoder();
  let out = "", trace = "";
  const pcap: number[] = [];
  const tracer = new Tracer((s) => (trace += s));
  const r = await runWorld(world.machines, {
    seed: 7,
    ...opts,
    console: (b) => (out += dec.decode(b, { stream: true })),
    pcap: (b) => pcap.push(...b),
    trace: tracer,
  });
  tracer.close();
  return { ...r, out, pcap: new Uint8Array(pcap), trace };
}

/** A host turn through the macrotask queue (setTimeout), as a worker's message would wait. */
const macrotask = () => new Promise<void>((r) => setTimeout(r, 0));

Deno.test("world: yielding to the host at every idle leaves console, pcap and trace byte-identical", async () => {
  const plain = await run();
  let turns = 0;
  let booted: readonly Booted[] = [];
  const yielded = await run({
    yieldToHost: () => (turns++, macrotask()),
    onBoot: (b) => (booted = b),
  });
  assert.equal(plain.status, 0, plain.out);
  assert.ok(turns > 10, `${turns} host turns`);
  assert.equal(booted.length, 2);
  assert.equal(booted[0], yielded.booted[0], "onBoot sees the machines the run returns");
  assert.equal(yielded.status, plain.status);
  assert.equal(yielded.out, plain.out);
  assert.deepEqual(yielded.pcap, plain.pcap);
  assert.equal(yielded.trace, plain.trace);
});

Deno.test("world: a halt taken in a host turn stops every machine, and the trace is valid", async () => {
  let turns = 0;
  let booted: readonly Booted[] = [];
  // The host halts the world in its fifth turn, as the page's "halt" message would.
  const r = await run({
    onBoot: (b) => (booted = b),
    yieldToHost: () =>
      ++turns === 5
        ? macrotask().then(() => {
          for (const b of booted) b.machine.halt("halted from the host");
        })
        : null,
  });
  assert.equal(r.result.kind, "halted");
  assert.equal(r.result.kind === "halted" && r.result.reason, "halted from the host");
  assert.equal(turns, 5, "no idle after the halt");
  for (const b of booted) assert.equal(b.machine.halted, "halted from the host");
  // Mid-run: the client had not fetched the page yet.
  assert.match(r.out, /^server: /m);
  assert.doesNotMatch(r.out, /HTTP\/1\.1 200 OK/);
  // Neither machine's apps exited: the run's status says it did not finish.
  assert.equal(r.status, 1);
  const doc = JSON.parse(r.trace);
  assert.ok(Array.isArray(doc.traceEvents) && doc.traceEvents.length > 10);
});

Deno.test("world: without yieldToHost the run never awaits the host", async () => {
  // A timer queued before the run fires only after it: the whole run is one task.
  let fired = false;
  const t = setTimeout(() => (fired = true), 0);
  const r = await run();
  assert.equal(r.status, 0);
  assert.equal(fired, false);
  clearTimeout(t);
});
