/**
 * hostname.ts — print the name of this machine (hostname(1)).
 *
 * Rules: `hostname [-s]` prints kern.hostname (-s: up to the first dot). Setting the name
 * is not supported: an operand is an error (status 1) saying so.
 */
import { type App, type Sys, type Wait } from "../kernel/syscall/api.ts";
import { eprint, print } from "./lib/stdio.ts";

function* main(sys: Sys, argv: string[]): Wait<number> {
  const args = argv.slice(1);
  const short = args[0] === "-s";
  if (args.length > (short ? 1 : 0)) {
    yield* eprint(sys, "hostname: setting the host name is not supported\nusage: hostname [-s]\n");
    return 1;
  }
  const name = String(sys.sysctl("kern.hostname"));
  yield* print(sys, (short ? name.split(".")[0] : name) + "\n");
  return 0;
}

export const hostname: App = { name: "hostname", main, summary: "print the host name" };
export default hostname;
