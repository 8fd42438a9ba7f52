/**
 * trace_check.ts — reads a Chrome Trace Event Format document as the tracer writes it
 * (sched/trace.ts) and checks its structure: every B has its E, by name, on the same
 * track, properly nested; times on a track never go backwards.
 */
import assert from "node:assert/strict";

export interface TraceEvent {
  ph: string;
  pid: number;
  tid: number;
  ts?: number;
  dur?: number;
  name: string;
  cat?: string;
  s?: string;
  args?: Record<string, unknown>;
}

/** Parses the document and checks it is the object form with a traceEvents array. */
export function parseTrace(text: string): TraceEvent[] {
  const doc = JSON.parse(text);
  assert.ok(Array.isArray(doc.traceEvents), "a traceEvents array");
  return doc.traceEvents as TraceEvent[];
}

/** Asserts that B/E events pair up on each (pid, tid), nested, with times in order. */
export function checkNesting(events: TraceEvent[]): void {
  const stacks = new Map<string, string[]>();
  const last = new Map<string, number>();
  for (const e of events) {
    assert.ok(["B", "E", "X", "i", "M"].includes(e.ph), `phase ${e.ph}`);
    if (e.ph === "M") continue;
    const key = `${e.pid}/${e.tid}`;
    assert.equal(typeof e.ts, "number", `${e.name} has a time`);
    if (e.ph === "X") assert.ok(e.dur! >= 0, "a complete event has a duration");
    if (e.ph !== "B" && e.ph !== "E") continue;
    assert.ok(e.ts! >= (last.get(key) ?? 0), `time goes forward on ${key} at ${e.name}`);
    last.set(key, e.ts!);
    const st = stacks.get(key) ?? [];
    stacks.set(key, st);
    if (e.ph === "B") st.push(e.name);
    else assert.equal(st.pop(), e.name, `the E of ${e.name} on ${key} closes its B`);
  }
  for (const [key, st] of stacks) assert.deepEqual(st, [], `nothing left open on ${key}`);
}
