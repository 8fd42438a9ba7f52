/**
 * env.ts — print the environment, or run a program in a changed one (env(1)).
 *
 * Rules: `env [-i] [name=value ...] [utility [argument ...]]`: -i starts from an empty
 * environment; each name=value sets one variable. Without a utility the environment is
 * printed, one `name=value` a line, sorted by name. A utility is a linked app, run as a
 * child with posix_spawn and waited for; env exits with its status, or 127 when no such
 * app is linked.
 */
import { type App, type Sys, type Wait } from "../kernel/syscall/api.ts";
import { eprint, print } from "./lib/stdio.ts";

function* main(sys: Sys, argv: string[], env: Record<string, string>): Wait<number> {
  let args = argv.slice(1);
  let vars: Record<string, string> = { ...env };
  if (args[0] === "-i" || args[0] === "-") {
    vars = {};
    args = args.slice(1);
  }
  if (args[0] === "--") args = args.slice(1);
  while (args.length && /^[^=]+=/.test(args[0])) {
    const eq = args[0].indexOf("=");
    vars[args[0].slice(0, eq)] = args[0].slice(eq + 1);
    args = args.slice(1);
  }
  if (args.length === 0) {
    const names = Object.keys(vars).sort();
    yield* print(sys, names.map((k) => `${k}=${vars[k]}\n`).join(""));
    return 0;
  }
  if (!sys.apps().includes(args[0])) {
    yield* eprint(sys, `env: ${args[0]}: No such file or directory\n`);
    return 127;
  }
  const pid = sys.posix_spawn(args[0], args, vars);
  return (yield* sys.waitpid(pid)).status;
}

export const env: App = { name: "env", main, summary: "run a program in a changed environment" };
export default env;
