import assert from "node:assert/strict";
import { world } from "../../images/net_demo.ts";
import { image as hello } from "../../images/hello.ts";
import { runImage } from "../../rumprun/run.ts";
import { runWorld } from "../../rumprun/world.ts";
import { Tracer } from "../../sched/mod.ts";
import { checkNesting, parseTrace, type TraceEvent } from "../support/trace_check.ts";

async function tracedWorld(seed: number) {
  const chunks: string[] = [];
  const t = new Tracer((c) => chunks.push(c));
  const r = await runWorld(world.machines, { seed, trace: t });
  t.close();
  const text = chunks.join("");
  return { r, t, text, events: parseTrace(text) };
}

const names = (evs: TraceEvent[], pred: (e: TraceEvent) => boolean) =>
  new Set(evs.filter(pred).map((e) => e.name));

Deno.test("hw trace: net-demo's two machines are two processes, every switch a nested slice", async () => {
  const { r, t, events } = await tracedWorld(7);
  assert.equal(r.status, 0);
  checkNesting(events);
  const procs = events.filter((e) => e.ph === "M" && e.name === "process_name");
  assert.deepEqual(procs.map((e) => [e.pid, e.args!.name]), [
    [0, "scheduler"],
    [1, "server"],
    [2, "client"],
  ]);
  const switches = r.booted[0].machine.sched.switches;
  assert.equal(events.filter((e) => e.ph === "B" && e.cat === "sched").length, switches);
  assert.equal(t.switchIns, switches);
  const threadsOf = (pid: number) =>
    events.filter((e) => e.ph === "M" && e.name === "thread_name" && e.pid === pid && e.tid > 0)
      .map((e) => String(e.args!.name));
  const server = threadsOf(1), client = threadsOf(2);
  assert.ok(server.includes("server.intr") && !server.includes("client.intr"), `${server}`);
  assert.ok(client.includes("client.intr") && !client.includes("server.intr"), `${client}`);
  assert.ok(
    server.includes("server.httpd") && client.includes("client.ping") &&
      client.includes("client.wget"),
  );
});

Deno.test("hw trace: a net-demo run marks each NIC interrupt raised, delivered, handled and EOI'd", async () => {
  const { events } = await tracedWorld(7);
  for (const pid of [1, 2]) {
    const irq = events.filter((e) => e.pid === pid && e.cat === "irq");
    const got = names(irq, () => true);
    for (const n of ["IRQ 11 raised", "IRQ 11 delivered", "IRQ 11 handlers", "IRQ 11 EOI"]) {
      assert.ok(got.has(n), `machine ${pid}: ${n}`);
    }
    // The gate's marks are on the machine's hardware track; handlers and EOI on its thread.
    const delivered = irq.find((e) => e.name === "IRQ 11 delivered")!;
    assert.deepEqual([delivered.tid, delivered.args], [0, { vector: 43 }]);
    const handlers = irq.filter((e) => e.name === "IRQ 11 handlers");
    assert.ok(handlers.every((e) => e.tid > 0));
    assert.ok(handlers.some((e) => e.ph === "E" && e.args?.claimed === true));
    const n = (name: string) => irq.filter((e) => e.name === name && e.ph !== "E").length;
    assert.equal(n("IRQ 11 EOI"), n("IRQ 11 handlers"));
  }
});

Deno.test("hw trace: syscalls are spans named by the call, with the errno of a failure", async () => {
  const { events } = await tracedWorld(7);
  const client = names(events, (e) => e.pid === 2 && e.cat === "syscall");
  const server = names(events, (e) => e.pid === 1 && e.cat === "syscall");
  for (const c of ["socket", "connect", "sendto", "recvfrom", "write"]) assert.ok(client.has(c), c);
  for (const c of ["socket", "bind", "listen", "accept", "poll"]) assert.ok(server.has(c), c);
  const failed = events.find((e) => e.ph === "E" && e.args?.error === "EAGAIN");
  assert.equal(failed?.args?.errno, 35);
});

Deno.test("hw trace: the same seed writes a byte-identical trace", async () => {
  const a = await tracedWorld(7), b = await tracedWorld(7);
  assert.ok(a.text.length > 10_000);
  assert.equal(a.text, b.text);
});

Deno.test("hw trace: a traced hello boot names its machine and its app's syscalls", async () => {
  const chunks: string[] = [];
  const t = new Tracer((c) => chunks.push(c));
  const r = await runImage(hello, { seed: 1, trace: t });
  t.close();
  assert.equal(r.status, 0);
  const events = parseTrace(chunks.join(""));
  checkNesting(events);
  assert.ok(events.some((e) => e.name === "process_name" && e.args?.name === "hello"));
  assert.ok(names(events, (e) => e.cat === "syscall").has("nanosleep"));
  assert.equal(
    events.filter((e) => e.ph === "B" && e.cat === "sched").length,
    r.machine.sched.switches,
  );
});
