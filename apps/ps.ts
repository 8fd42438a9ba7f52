/**
 * ps.ts — process status (ps(1)), from the kern.proc sysctl.
 *
 * Rules: `ps` lists every process: PID, PPID, STAT (R running on a CPU, S sleeping, Z a
 * zombie), WCHAN (what a sleeping process waits on) and the command with its arguments,
 * sorted by pid. An operand or option is a usage error (status 1).
 */
import { type App, type Sys, type Wait } from "../kernel/syscall/api.ts";
import { eprint, print } from "./lib/stdio.ts";

interface KProc {
  pid: number;
  ppid: number;
  name: string;
  state: string;
  wmesg: string;
  argv: string[];
}

function* main(sys: Sys, argv: string[]): Wait<number> {
  if (argv.length > 1) {
    yield* eprint(sys, "usage: ps\n");
    return 1;
  }
  const procs = (sys.sysctl("kern.proc") as KProc[]).slice().sort((a, b) => a.pid - b.pid);
  let out = "  PID  PPID STAT WCHAN    COMMAND\n";
  for (const p of procs) {
    const stat = p.state === "zomb" ? "Z" : p.state === "run" ? "R" : "S";
    const wchan = stat === "S" ? p.wmesg || "-" : "-";
    const cmd = p.argv.length ? p.argv.join(" ") : p.name;
    out += `${String(p.pid).padStart(5)} ${String(p.ppid).padStart(5)} ${stat.padEnd(4)} ` +
      `${wchan.slice(0, 8).padEnd(8)} ${cmd}\n`;
  }
  yield* print(sys, out);
  return 0;
}

export const ps: App = { name: "ps", main, summary: "process status" };
export default ps;
