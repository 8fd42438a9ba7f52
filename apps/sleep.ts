/**
 * sleep.ts — suspend for an interval (sleep(1)).
 *
 * Rules: `sleep seconds`, a non-negative decimal number (fractions allowed, as NetBSD's
 * sleep takes them), slept with nanosleep on the simulated clock. A missing or bad
 * operand is a usage error (status 1).
 */
import { type App, type Sys, type Wait } from "../kernel/syscall/api.ts";
import { eprint } from "./lib/stdio.ts";

function* main(sys: Sys, argv: string[]): Wait<number> {
  const arg = argv[1] === "--" ? argv[2] : argv[1];
  if (
    arg === undefined || !/^([0-9]+\.?[0-9]*|\.[0-9]+)$/.test(arg) ||
    argv.length > (argv[1] === "--" ? 3 : 2)
  ) {
    yield* eprint(
      sys,
      `sleep: ${
        arg === undefined ? "missing operand" : `invalid time interval: ${arg}`
      }\nusage: sleep seconds\n`,
    );
    return 1;
  }
  const [whole, frac = ""] = arg.split(".");
  const sec = Number(whole || "0");
  const nsec = Number((frac + "000000000").slice(0, 9));
  yield* sys.nanosleep({ sec, nsec });
  return 0;
}

export const sleep: App = { name: "sleep", main, summary: "suspend for an interval" };
export default sleep;
