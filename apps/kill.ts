/**
 * kill.ts — send a signal to processes (kill(1)).
 *
 * Rules: `kill [-s name | -name | -number] pid ...` (default TERM) posts the signal with
 * kill(2); `kill -l` lists the signal names. Names are given with or without "SIG", in
 * any case. A pid that names no process is reported (`kill: 99: No such process`) and the
 * status is 1; a bad signal or no pid is a usage error (status 1).
 */
import { type App, SIGNAL_NAMES, SIGTERM, type Sys, type Wait } from "../kernel/syscall/api.ts";
import { warnErr } from "./lib/fsutil.ts";
import { eprint, print } from "./lib/stdio.ts";

const USAGE =
  "usage: kill [-s signal_name | -signal_name | -signal_number] pid ...\n       kill -l\n";

function signo(s: string): number | null {
  if (/^[0-9]+$/.test(s)) {
    return SIGNAL_NAMES[Number(s)] !== undefined || s === "0" ? Number(s) : null;
  }
  const name = s.toUpperCase().replace(/^SIG/, "");
  for (const [n, v] of Object.entries(SIGNAL_NAMES)) if (v === name) return Number(n);
  return null;
}

function* main(sys: Sys, argv: string[]): Wait<number> {
  let args = argv.slice(1);
  if (args[0] === "-l") {
    yield* print(sys, Object.values(SIGNAL_NAMES).join(" ") + "\n");
    return 0;
  }
  let sig = SIGTERM;
  if (args[0] === "-s" || (args[0]?.startsWith("-") && args[0] !== "--")) {
    const name = args[0] === "-s" ? args[1] : args[0].slice(1);
    const n = name === undefined ? null : signo(name);
    if (n === null) {
      yield* eprint(sys, `kill: unknown signal: ${name ?? ""}\n${USAGE}`);
      return 1;
    }
    sig = n;
    args = args.slice(args[0] === "-s" ? 2 : 1);
  }
  if (args[0] === "--") args = args.slice(1);
  if (args.length === 0) {
    yield* eprint(sys, USAGE);
    return 1;
  }
  let status = 0;
  for (const a of args) {
    if (!/^[0-9]+$/.test(a)) {
      yield* eprint(sys, `kill: illegal process id: ${a}\n`);
      status = 1;
      continue;
    }
    try {
      sys.kill(Number(a), sig);
    } catch (e) {
      yield* warnErr(sys, "kill", a, e);
      status = 1;
    }
  }
  return status;
}

export const kill: App = { name: "kill", main, summary: "send a signal to processes" };
export default kill;
