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
 *
 * setjmp and longjmp (wasm/libc/setjmp.c) use the same machinery. `setjmp` unwinds the
 * stack, keeps a copy of the saved frames for its jmp_buf (by address, with a generation
 * number written into the buffer) and rewinds at once, so the program goes on from the
 * call with 0. `longjmp` checks the buffer (filled by setjmp, not reused since, its frame
 * not below the caller's stack: the shadow-stack pointer at longjmp must not be above the
 * one at setjmp), unwinds the current stack, puts the kept frames back and rewinds: the
 * stack is the one of the setjmp call again, which returns `val` (1 for 0). Asyncify does
 * not save globals: the C side puts the shadow-stack pointer back from the jmp_buf.
 * A longjmp the checks refuse throws `LongjmpError` (the loader ends the process with a
 * line and 128+6, as an abort).
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

/** Why the import's stack unwound. */
type Pending =
  | { kind: "wait"; gen: Wait<number>; first: IteratorResult<unknown, number> }
  | { kind: "setjmp"; env: number; sp: number }
  | { kind: "longjmp"; env: number; val: number };

/** A jmp_buf's kept stack: the frames Asyncify saved at setjmp and the stack pointer. */
interface Jump {
  gen: number;
  sp: number;
  frames: Uint8Array;
}

/** jmp_buf (wasm/libc/include/setjmp.h): the stack pointer at 0, the generation at 4. */
const JB_SP = 0;
const JB_GEN = 4;
/** Kept stacks at most (the oldest is forgotten first: a longjmp to it is refused). */
const MAX_JUMPS = 1024;

/** A longjmp that cannot be done; the message is one line. */
export class LongjmpError extends Error {
  override name = "LongjmpError";
}

export class Asyncify {
  readonly #x: AsyncifyExports;
  readonly #memory: WebAssembly.Memory;
  readonly #data: number;
  readonly #size: number;
  #pending: Pending | null = null;
  #kept: Kept | null = null;
  #jumps = new Map<number, Jump>();
  #generation = 0;
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

  /** The rewind is back at the import that unwound: its kept result. */
  #rewound(): number {
    this.#x.asyncify_stop_rewind();
    const kept = this.#kept!;
    this.#kept = null;
    if (!kept.ok) throw kept.error;
    return kept.value;
  }

  #unwind(p: Pending): void {
    this.#pending = p;
    const h = new Int32Array(this.#memory.buffer, this.#data, 2);
    h[0] = this.#data + 8;
    h[1] = this.#data + this.#size;
    this.#x.asyncify_start_unwind(this.#data);
  }

  /** From an import: the value of `gen`, now, or after the fiber has waited for it. */
  call(gen: Wait<number>): number {
    if (this.#x.asyncify_get_state() === REWINDING) return this.#rewound();
    const first = gen.next();
    if (first.done) return first.value;
    this.#unwind({ kind: "wait", gen, first });
    return 0; // ignored: the stack is unwinding
  }

  /** The setjmp import: 0 now (after keeping the stack), `val` after a longjmp to `env`. */
  setjmp(env: number, sp: number): number {
    if (this.#x.asyncify_get_state() === REWINDING) return this.#rewound();
    this.#unwind({ kind: "setjmp", env: env >>> 0, sp: sp >>> 0 });
    return 0;
  }

  /** The longjmp import: unwinds to go back to `env`'s setjmp, or throws LongjmpError. */
  longjmp(env: number, val: number, sp: number): void {
    env >>>= 0;
    const dv = new DataView(this.#memory.buffer);
    const j = env + 8 <= dv.byteLength ? this.#jumps.get(env) : undefined;
    if (!j || dv.getUint32(env + JB_GEN, true) !== j.gen) {
      throw new LongjmpError("longjmp to a jmp_buf that setjmp did not fill");
    }
    if (sp >>> 0 > j.sp) {
      throw new LongjmpError("longjmp to a setjmp whose function has returned");
    }
    this.#unwind({ kind: "longjmp", env, val });
  }

  /** Runs `entry` (an export) to its end on the calling fiber, waiting where it must. */
  *run<T>(entry: () => T): Wait<T> {
    for (;;) {
      const r = entry();
      if (this.#x.asyncify_get_state() !== UNWINDING) return r;
      this.#x.asyncify_stop_unwind();
      const p = this.#pending!;
      this.#pending = null;
      if (p.kind !== "wait") {
        this.#jump(p);
        this.#x.asyncify_start_rewind(this.#data);
        continue;
      }
      this.unwinds++;
      const { gen, first } = p;
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

  /** After a setjmp or longjmp unwound: keep or restore the frames, then the rewind. */
  #jump(p: Exclude<Pending, { kind: "wait" }>): void {
    const start = this.#data + 8;
    const h = new Int32Array(this.#memory.buffer, this.#data, 2);
    const u8 = new Uint8Array(this.#memory.buffer);
    if (p.kind === "setjmp") {
      const gen = ++this.#generation;
      this.#jumps.delete(p.env);
      if (this.#jumps.size >= MAX_JUMPS) this.#jumps.delete(this.#jumps.keys().next().value!);
      this.#jumps.set(p.env, { gen, sp: p.sp, frames: u8.slice(start, h[0]) });
      const dv = new DataView(this.#memory.buffer);
      dv.setUint32(p.env + JB_SP, p.sp, true);
      dv.setUint32(p.env + JB_GEN, gen, true);
      this.#kept = { ok: true, value: 0 };
    } else {
      const j = this.#jumps.get(p.env)!;
      u8.set(j.frames, start);
      h[0] = start + j.frames.length;
      h[1] = this.#data + this.#size;
      this.#kept = { ok: true, value: p.val === 0 ? 1 : p.val };
    }
  }

  /** True while no unwind or rewind is under way (an import may then run directly). */
  get idle(): boolean {
    return this.#x.asyncify_get_state() === NORMAL;
  }
}
