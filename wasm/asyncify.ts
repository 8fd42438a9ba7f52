/**
 * asyncify.ts — a WebAssembly program blocks on its own fiber: Binaryen's Asyncify
 * unwinds the wasm stack when a system call must wait and rewinds it when the call is done.
 *
 * Rules: a module built by `deno task cc` (wasm-opt --asyncify, with only the blocking
 * imports listed) exports asyncify_start_unwind/stop_unwind/start_rewind/stop_rewind/
 * get_state. An import that may wait hands its work to `call` as an unstarted generator of
 * the syscall API. `call` runs it on the spot: most calls finish without waiting and
 * return at once, with no unwinding. Only when the generator yields (the kernel makes the
 * fiber wait) does `call` keep it, start an unwind and return; the wasm stack unwinds to
 * `run`, which goes on with the same generator on the fiber (`yield`ing what it yields,
 * so the scheduler sees an ordinary waiting app), then starts a rewind and re-enters the
 * export: the program's stack is rebuilt, the same import is called again, and `call`
 * now stops the rewind and returns the kept result (or throws the kept exception). A
 * generator's work is done once; its result is copied into linear memory by the
 * generator itself before the rewind. Everything is synchronous: no promise, no
 * microtask, so a run is deterministic. The unwind data lives in a region of linear
 * memory the loader reserves; a stack too deep for it is a trap (Asyncify's own check).
 */
import type { Wait } from "../kernel/syscall/api.ts";

/** Asyncify's states (asyncify_get_state). */
const NORMAL = 0;
const UNWINDING = 1;
const REWINDING = 2;

/** The exports Asyncify adds. */
export interface AsyncifyExports {
  asyncify_start_unwind(data: number): void;
  asyncify_stop_unwind(): void;
  asyncify_start_rewind(data: number): void;
  asyncify_stop_rewind(): void;
  asyncify_get_state(): number;
}

/** The names `deno task cc` and the loader check for. */
export const ASYNCIFY_EXPORTS = [
  "asyncify_start_unwind",
  "asyncify_stop_unwind",
  "asyncify_start_rewind",
  "asyncify_stop_rewind",
  "asyncify_get_state",
] as const;

type Kept = { ok: true; value: number } | { ok: false; error: unknown };

export class Asyncify {
  readonly #x: AsyncifyExports;
  readonly #memory: WebAssembly.Memory;
  readonly #data: number;
  readonly #size: number;
  #pending: { gen: Wait<number>; first: IteratorResult<unknown, number> } | null = null;
  #kept: Kept | null = null;
  /** How many times a call had to unwind (for tests and benchmarks). */
  unwinds = 0;

  /**
   * `data` is the address of a `size`-byte region of `memory` (8-byte aligned) for the
   * unwind data: a two-word header (current, end) and the saved frames.
   */
  constructor(x: AsyncifyExports, memory: WebAssembly.Memory, data: number, size: number) {
    this.#x = x;
    this.#memory = memory;
    this.#data = data;
    this.#size = size;
  }

  /** From an import: the value of `gen`, now, or after the fiber has waited for it. */
  call(gen: Wait<number>): number {
    if (this.#x.asyncify_get_state() === REWINDING) {
      this.#x.asyncify_stop_rewind();
      const kept = this.#kept!;
      this.#kept = null;
      if (!kept.ok) throw kept.error;
      return kept.value;
    }
    const first = gen.next();
    if (first.done) return first.value;
    this.#pending = { gen, first };
    const h = new Int32Array(this.#memory.buffer, this.#data, 2);
    h[0] = this.#data + 8;
    h[1] = this.#data + this.#size;
    this.#x.asyncify_start_unwind(this.#data);
    return 0; // ignored: the stack is unwinding
  }

  /** Runs `entry` (an export) to its end on the calling fiber, waiting where it must. */
  *run<T>(entry: () => T): Wait<T> {
    for (;;) {
      const r = entry();
      if (this.#x.asyncify_get_state() !== UNWINDING) return r;
      this.#x.asyncify_stop_unwind();
      this.unwinds++;
      const { gen, first } = this.#pending!;
      this.#pending = null;
      let kept: Kept;
      try {
        let step = first;
        while (!step.done) {
          let sent: unknown;
          try {
            sent = yield step.value;
          } catch (e) {
            step = gen.throw(e);
            continue;
          }
          step = gen.next(sent);
        }
        kept = { ok: true, value: step.value };
      } catch (e) {
        kept = { ok: false, error: e };
      }
      this.#kept = kept;
      this.#x.asyncify_start_rewind(this.#data);
    }
  }

  /** True while no unwind or rewind is under way (an import may then run directly). */
  get idle(): boolean {
    return this.#x.asyncify_get_state() === NORMAL;
  }
}
