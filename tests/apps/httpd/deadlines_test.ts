import assert from "node:assert/strict";
import { Deadlines } from "../../../apps/httpd/deadlines.ts";

const owner = (name: string) => ({ name, deadlineAt: Infinity });

Deno.test("deadlines: owners come due in deadline order, each once", () => {
  const d = new Deadlines<ReturnType<typeof owner>>();
  const a = owner("a"), b = owner("b"), c = owner("c");
  d.set(a, 30);
  d.set(b, 10);
  d.set(c, 20);
  assert.equal(d.next(), 10);
  assert.equal(d.due(5), null, "nothing due before the earliest");
  const out: string[] = [];
  for (let o; (o = d.due(25)) !== null;) out.push(o.name);
  assert.deepEqual(out, ["b", "c"]);
  assert.equal(d.next(), 30);
  assert.equal(d.due(100)?.name, "a");
  assert.equal(d.due(100), null);
  assert.equal(d.next(), Infinity);
});

Deno.test("deadlines: a moved or cleared deadline leaves no trace of the old one", () => {
  const d = new Deadlines<ReturnType<typeof owner>>();
  const a = owner("a"), b = owner("b");
  d.set(a, 10);
  d.set(b, 15);
  d.set(a, 50); // moved later
  d.clear(b); // gone
  assert.equal(d.next(), 50);
  assert.equal(d.due(20), null);
  assert.equal(d.due(50)?.name, "a");
});

Deno.test("deadlines: stale entries are compacted, so the heap stays near the live count", () => {
  const d = new Deadlines<ReturnType<typeof owner>>();
  const os = Array.from({ length: 100 }, (_, i) => owner(String(i)));
  for (let t = 1; t <= 1000; t++) for (const o of os) d.set(o, t * 1000 + Number(o.name));
  assert.ok(d.size <= 4 * 100 + 64 + 1, `heap holds ${d.size}`);
  assert.equal(d.next(), 1000 * 1000);
  const order: number[] = [];
  for (let o; (o = d.due(Infinity)) !== null;) order.push(Number(o.name));
  assert.deepEqual(order, os.map((_, i) => i));
});

Deno.test("deadlines: owners that went away are not held once the stale entries outnumber the live", () => {
  const d = new Deadlines<ReturnType<typeof owner>>();
  const gone = Array.from({ length: 1000 }, (_, i) => owner(String(i)));
  for (const o of gone) d.set(o, 1000 + Number(o.name));
  for (const o of gone) d.clear(o);
  assert.ok(d.size <= 64, `after every owner left the heap holds ${d.size}`);
  assert.equal(d.next(), Infinity);
});
