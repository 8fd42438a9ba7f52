/**
 * trace.ts — the machine's timeline: every fiber switch, wake, timeout, idle period and
 * event, plus the marks a platform adds (interrupts, syscalls), written as the Chrome
 * Trace Event Format (`{"traceEvents":[...]}`) that Perfetto and chrome://tracing open.
 *
 * Layout: pid 0 is the scheduler (tid 0: idle periods and events run from the event
 * queue); each machine is a process (`beginProcess`, pid 1, 2, ...) whose tid 0 is its
 * hardware track (IRQ lines) and whose fibers are threads (tid = fiber id). A fiber's
 * track holds "running" slices (B at switch-in, E at switch-out with why it left: block
 * and its wchan, yield, exit, error) and the spans a platform opens on it (`begin`/`end`:
 * a syscall, an interrupt's handlers). A span may outlive a running slice (a syscall that
 * blocks), so spans nest the other way round: opening or closing a span ends the running
 * slice and starts a new one inside (category "sched.cont"), and only a switch-in has
 * category "sched" — so every B has its E on its tid, properly nested, and the number of
 * "sched" B events is the scheduler's switch count.
 *
 * Rules: time is the clock's nanoseconds, written as microseconds with the nanoseconds
 * as exact decimals; output is a pure function of what happened, so the same run gives
 * the same bytes. It streams: text goes to the sink in chunks of about `flushBytes`, and
 * `close()` ends every open span and writes the trailer. sched/ calls the fiber hooks
 * only when a tracer is set (`Scheduler.setTracer`); with none, tracing costs one null
 * check per switch.
 */
import type { Clock } from "./clock.ts";
import { BLOCKED, type Fiber, RUNNABLE } from "./fiber.ts";

/** Receives the trace text in order; the concatenation is one JSON document. */
export type TraceSink = (chunk: string) => void;

export type TraceArgs = Record<string, string | number | boolean | null>;

export interface TracerOptions {
  /** Buffered characters before a write to the sink (default 64 KiB). */
  flushBytes?: number;
}

/** What the tracer keeps for a fiber while it lives. */
interface FiberTrack {
  pid: number;
  /** The spans open on the track, innermost last: `"name":..,"cat":..` JSON members. */
  spans: string[];
  running: boolean;
}

/** The scheduler's own process and its track. */
export const SCHED_PID = 0;
/** Each process's tid 0: the scheduler's idle/events, or a machine's hardware (IRQ lines). */
export const HW_TID = 0;

export class Tracer {
  /** Switch-ins recorded ("running" B events of category "sched"). */
  switchIns = 0;
  /** Events recorded, all kinds (B, E, X, i, M). */
  events = 0;

  #sink: TraceSink;
  #flushBytes: number;
  #buf: string[] = [];
  #bufLen = 0;
  #first = true;
  #closed = false;
  #clock: Clock | null = null;
  #nextPid = 1;
  #rootPid = SCHED_PID;
  #fibers = new Map<number, FiberTrack>();

  constructor(sink: TraceSink, opts: TracerOptions = {}) {
    this.#sink = sink;
    this.#flushBytes = opts.flushBytes ?? 65536;
    this.#buf.push('{"traceEvents":[\n');
    this.#meta(SCHED_PID, HW_TID, "process_name", "scheduler");
    this.#meta(SCHED_PID, HW_TID, "thread_name", "idle and events");
  }

  /** The clock timestamps come from; `Scheduler.setTracer` attaches its own. */
  attach(clock: Clock): void {
    this.#clock = clock;
  }

  /** Clock nanoseconds now (0 before a clock is attached). */
  now(): number {
    return this.#clock ? this.#clock.now() : 0;
  }

  /**
   * Starts a process (a machine) named `name` and returns its pid. Fibers spawned outside
   * any fiber from now on belong to it; a fiber spawned by a fiber joins its parent's.
   */
  beginProcess(name: string): number {
    const pid = this.#nextPid++;
    this.#meta(pid, HW_TID, "process_name", name);
    this.#meta(pid, HW_TID, "thread_name", "interrupts");
    this.#rootPid = pid;
    return pid;
  }

  /** The process of a fiber (its machine). */
  pidOf(f: Fiber): number {
    return this.#track(f).pid;
  }

  // --- the scheduler's hooks ---

  /** A new fiber: names its track in its parent's process (or the current root process). */
  spawn(f: Fiber, parent: Fiber | null): void {
    const pid = parent ? this.#track(parent).pid : this.#rootPid;
    this.#fibers.set(f.id, { pid, spans: [], running: false });
    this.#meta(pid, f.id, "thread_name", f.name);
  }

  /** `f` is switched to. */
  switchIn(f: Fiber): void {
    const t = this.#track(f);
    t.running = true;
    this.switchIns++;
    this.#emit(
      `"ph":"B","pid":${t.pid},"tid":${f.id},"ts":${this.#ts()},"name":"running","cat":"sched"`,
    );
  }

  /** `f` gave the CPU back; why is read from its state (blocked, runnable, exited). */
  switchOut(f: Fiber): void {
    const t = this.#track(f);
    const ts = this.#ts();
    let args: string;
    if (f.state === BLOCKED) args = `{"why":"block","wchan":${JSON.stringify(f.wchan)}}`;
    else if (f.state === RUNNABLE) args = `{"why":"yield"}`;
    else args = f.error === undefined ? `{"why":"exit"}` : `{"why":"error"}`;
    if (t.running) {
      t.running = false;
      this.#emit(
        `"ph":"E","pid":${t.pid},"tid":${f.id},"ts":${ts},"name":"running","cat":"sched","args":${args}`,
      );
    }
    if (f.state !== BLOCKED && f.state !== RUNNABLE) {
      // Exited: spans left open (a syscall unwound by exit) end here.
      this.#endAll(f.id, t, ts);
      this.#fibers.delete(f.id);
    }
  }

  /** `f` is made runnable by `by` (null: from an event or interrupt, outside any fiber). */
  wake(f: Fiber, by: Fiber | null): void {
    const t = this.#track(f);
    const args = by ? `{"by":${JSON.stringify(by.name)},"by_tid":${by.id}}` : `{"by":null}`;
    this.#emit(
      `"ph":"i","s":"t","pid":${t.pid},"tid":${f.id},"ts":${this.#ts()},"name":"wakeup","cat":"sched","args":${args}`,
    );
  }

  /** `f`'s deadline ended its wait. */
  timeout(f: Fiber): void {
    const t = this.#track(f);
    this.#emit(
      `"ph":"i","s":"t","pid":${t.pid},"tid":${f.id},"ts":${this.#ts()},"name":"timeout","cat":"sched","args":{"wchan":${
        JSON.stringify(f.wchan)
      }}`,
    );
  }

  /** Nothing was runnable from `fromNs` to `toNs`. */
  idle(fromNs: number, toNs: number): void {
    this.#emit(
      `"ph":"X","pid":${SCHED_PID},"tid":${HW_TID},"ts":${usec(fromNs)},"dur":${
        usec(toNs - fromNs)
      },"name":"idle","cat":"sched"`,
    );
  }

  /** An event from the event queue runs now; `fn`'s name says which, if it has one. */
  event(fn: () => void): void {
    const args = fn.name ? `,"args":{"fn":${JSON.stringify(fn.name)}}` : "";
    this.#emit(
      `"ph":"i","s":"t","pid":${SCHED_PID},"tid":${HW_TID},"ts":${this.#ts()},"name":"event","cat":"event"${args}`,
    );
  }

  // --- what a platform adds ---

  /** An instant mark on a fiber's track (`where` a Fiber) or a process's hardware track (a pid). */
  instant(where: Fiber | number, name: string, cat: string, args?: TraceArgs): void {
    const [pid, tid] = typeof where === "number"
      ? [where, HW_TID]
      : [this.#track(where).pid, where.id];
    this.#emit(
      `"ph":"i","s":"t","pid":${pid},"tid":${tid},"ts":${this.#ts()},"name":${
        JSON.stringify(name)
      },"cat":${JSON.stringify(cat)}${args ? `,"args":${JSON.stringify(args)}` : ""}`,
    );
  }

  /** Opens a span on `f`'s track (a syscall, an interrupt's handlers); it may span blocks. */
  begin(f: Fiber, name: string, cat: string, args?: TraceArgs): void {
    const t = this.#track(f);
    const ts = this.#ts();
    const running = t.running;
    if (running) this.#endRunning(f.id, t, ts);
    const span = `"name":${JSON.stringify(name)},"cat":${JSON.stringify(cat)}`;
    t.spans.push(span);
    this.#emit(
      `"ph":"B","pid":${t.pid},"tid":${f.id},"ts":${ts},${span}${
        args ? `,"args":${JSON.stringify(args)}` : ""
      }`,
    );
    if (running) this.#beginRunning(f.id, t, ts);
  }

  /** Closes the innermost span on `f`'s track; `args` are merged into the span's. */
  end(f: Fiber, args?: TraceArgs): void {
    const t = this.#fibers.get(f.id);
    if (!t || t.spans.length === 0) return; // already closed when the fiber exited
    const ts = this.#ts();
    const running = t.running;
    if (running) this.#endRunning(f.id, t, ts);
    const span = t.spans.pop()!;
    this.#emit(
      `"ph":"E","pid":${t.pid},"tid":${f.id},"ts":${ts},${span}${
        args ? `,"args":${JSON.stringify(args)}` : ""
      }`,
    );
    if (running) this.#beginRunning(f.id, t, ts);
  }

  /** Ends every open span and slice, writes the trailer and flushes. Idempotent. */
  close(): void {
    if (this.#closed) return;
    const ts = this.#ts();
    for (const [id, t] of this.#fibers) {
      if (t.running) this.#endRunning(id, t, ts);
      this.#endAll(id, t, ts);
    }
    this.#buf.push('\n],"displayTimeUnit":"ns"}\n');
    this.#closed = true;
    this.flush();
  }

  /** Hands what is buffered to the sink. */
  flush(): void {
    if (this.#buf.length === 0) return;
    const s = this.#buf.join("");
    this.#buf = [];
    this.#bufLen = 0;
    this.#sink(s);
  }

  // --- internals ---

  #track(f: Fiber): FiberTrack {
    let t = this.#fibers.get(f.id);
    if (!t) {
      // A fiber that existed before the tracer was set.
      this.spawn(f, null);
      t = this.#fibers.get(f.id)!;
    }
    return t;
  }

  #ts(): string {
    return usec(this.now());
  }

  #endRunning(tid: number, t: FiberTrack, ts: string): void {
    t.running = false;
    this.#emit(`"ph":"E","pid":${t.pid},"tid":${tid},"ts":${ts},"name":"running","cat":"sched"`);
  }

  #beginRunning(tid: number, t: FiberTrack, ts: string): void {
    t.running = true;
    this.#emit(
      `"ph":"B","pid":${t.pid},"tid":${tid},"ts":${ts},"name":"running","cat":"sched.cont"`,
    );
  }

  #endAll(tid: number, t: FiberTrack, ts: string): void {
    while (t.spans.length) {
      const span = t.spans.pop()!;
      this.#emit(
        `"ph":"E","pid":${t.pid},"tid":${tid},"ts":${ts},${span},"args":{"unfinished":true}`,
      );
    }
  }

  #meta(pid: number, tid: number, what: string, name: string): void {
    this.#emit(
      `"ph":"M","pid":${pid},"tid":${tid},"name":"${what}","args":{"name":${JSON.stringify(name)}}`,
    );
  }

  #emit(body: string): void {
    if (this.#closed) return;
    const line = this.#first ? `{${body}}` : `,\n{${body}}`;
    this.#first = false;
    this.events++;
    this.#buf.push(line);
    this.#bufLen += line.length;
    if (this.#bufLen >= this.#flushBytes) this.flush();
  }
}

/** Nanoseconds as microseconds with exact decimals: 1234567 → "1234.567". */
export function usec(ns: number): string {
  const n = Math.round(ns);
  const neg = n < 0;
  const a = neg ? -n : n;
  const us = Math.floor(a / 1000);
  const frac = a - us * 1000;
  const s = frac === 0 ? `${us}` : `${us}.${String(frac).padStart(3, "0").replace(/0+$/, "")}`;
  return neg ? `-${s}` : s;
}
