/**
 * hello.ts — the first app: greets on stdout, tells the time, sleeps a second and says
 * how long the sleep took.
 *
 * Rules: an app sees only the syscall API. `hello [words...] [--exit N]` prints
 * "Hello, world!" and the words, the wall-clock time (CLOCK_REALTIME), sleeps 1 s with
 * nanosleep and prints the elapsed monotonic time, then returns 0 — or N, so tests can
 * check that an exit status is carried to whoever waits for the process.
 */
import {
  type App,
  CLOCK_MONOTONIC,
  CLOCK_REALTIME,
  type Sys,
  type Wait,
} from "../kernel/syscall/api.ts";

const enc = new TextEncoder();

function* print(sys: Sys, s: string): Wait {
  const b = enc.encode(s);
  for (let off = 0; off < b.length;) off += yield* sys.write(1, b.subarray(off));
}

function* main(sys: Sys, argv: string[]): Wait<number> {
  const words: string[] = [];
  let status = 0;
  for (let i = 1; i < argv.length; i++) {
    if (argv[i] === "--exit" && i + 1 < argv.length) status = Number(argv[++i]) | 0;
    else words.push(argv[i]);
  }
  yield* print(sys, `Hello, world!${words.length ? " " + words.join(" ") : ""}\n`);
  const now = sys.clock_gettime(CLOCK_REALTIME);
  const iso = new Date(now.sec * 1000 + Math.floor(now.nsec / 1e6)).toISOString();
  yield* print(sys, `The time is ${iso}.\n`);
  const t0 = sys.clock_gettime(CLOCK_MONOTONIC);
  yield* sys.nanosleep({ sec: 1, nsec: 0 });
  const t1 = sys.clock_gettime(CLOCK_MONOTONIC);
  const ns = (t1.sec - t0.sec) * 1e9 + (t1.nsec - t0.nsec);
  const frac = String(ns % 1e9).padStart(9, "0");
  yield* print(sys, `Slept ${Math.floor(ns / 1e9)}.${frac} s.\n`);
  return status;
}

export const hello: App = { name: "hello", main, summary: "greet, tell the time, sleep 1 s" };
export default hello;
