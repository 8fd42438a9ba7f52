/**
 * mod.ts — every app this project links into images, and a lookup by name.
 *
 * Rules: an image names the apps it wants (`appsByName(["httpd", "ping"])`); only apps
 * listed here can be named. Each app module exports its `App` (name, main, summary) and
 * imports nothing of the kernel but the syscall API.
 */
import type { App } from "../kernel/syscall/api.ts";
import { bulk } from "./bulk.ts";
import { echo_server } from "./echo_server.ts";
import { hello } from "./hello.ts";
import { httpd } from "./httpd/main.ts";
import { ifconfig } from "./ifconfig.ts";
import { netstat } from "./netstat.ts";
import { ping } from "./ping.ts";
import { wget } from "./wget.ts";

export { bulk, echo_server, hello, httpd, ifconfig, netstat, ping, wget };

/** All apps, sorted by name. */
export const ALL_APPS: readonly App[] = [
  bulk,
  echo_server,
  hello,
  httpd,
  ifconfig,
  netstat,
  ping,
  wget,
];

/** The apps named in `names`, in that order; throws naming the first unknown one. */
export function appsByName(names: readonly string[]): App[] {
  return names.map((n) => {
    const a = ALL_APPS.find((x) => x.name === n);
    if (!a) {
      throw new Error(`no app named ${n} (known: ${ALL_APPS.map((x) => x.name).join(", ")})`);
    }
    return a;
  });
}
