/**
 * uname.ts — print system identification (uname(1)).
 *
 * Rules: `uname [-amnrsv]`: -s the system name (the default), -n the node name, -r the
 * release, -v the version, -m the machine; -a all five in that order, separated by
 * spaces. An unknown option is a usage error (status 1).
 */
import { type App, type Sys, type Wait } from "../kernel/syscall/api.ts";
import { getopt } from "./lib/getopt.ts";
import { eprint, print } from "./lib/stdio.ts";

function* main(sys: Sys, argv: string[]): Wait<number> {
  const g = getopt(argv.slice(1), "amnrsv");
  if (!g.ok || g.value.operands.length) {
    yield* eprint(sys, `uname: ${g.ok ? "extra operand" : g.error}\nusage: uname [-amnrsv]\n`);
    return 1;
  }
  const o = g.value.opts;
  const u = sys.uname();
  const all = o.has("a");
  const fields: string[] = [];
  if (all || o.has("s") || o.size === 0) fields.push(u.sysname);
  if (all || o.has("n")) fields.push(u.nodename);
  if (all || o.has("r")) fields.push(u.release);
  if (all || o.has("v")) fields.push(u.version);
  if (all || o.has("m")) fields.push(u.machine);
  yield* print(sys, fields.join(" ") + "\n");
  return 0;
}

export const uname: App = { name: "uname", main, summary: "print system identification" };
export default uname;
