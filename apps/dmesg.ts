/**
 * dmesg.ts — print the kernel message buffer (dmesg(8)), read with sysctl kern.msgbuf.
 *
 * Rules: `dmesg`; the buffer is printed as it is, ending with a newline.
 */
import { type App, type Sys, type Wait } from "../kernel/syscall/api.ts";
import { eprint, print } from "./lib/stdio.ts";

function* main(sys: Sys, argv: string[]): Wait<number> {
  if (argv.length > 1) {
    yield* eprint(sys, "usage: dmesg\n");
    return 1;
  }
  const text = String(sys.sysctl("kern.msgbuf") ?? "");
  yield* print(sys, text.endsWith("\n") || text === "" ? text : text + "\n");
  return 0;
}

export const dmesg: App = { name: "dmesg", main, summary: "print the kernel message buffer" };
export default dmesg;
