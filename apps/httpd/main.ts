/**
 * main.ts — the `httpd` app: thttpd's command line in front of the server loop.
 *
 *   httpd [-p port] [-d dir] [-c maxconn] [-T timeout] [--per-connection]
 *
 * -p port (default 80), -d document root (default /www), -c most connections at once
 * (default 0: as many as the process's descriptors allow; past the limit a client gets
 * 503), -T request/idle timeout in seconds (default 60). Access-log lines go to
 * stdout; errors to stderr. Like thttpd it changes into the document root at startup and
 * looks files up relative to it. It serves until the machine stops; it returns 1 when it
 * cannot listen or enter the document root, and EX_USAGE (64) for a bad command line.
 *
 * `--per-connection` (a fiber per connection) is refused: the syscall API has no call
 * that starts a thread — `spawn` runs a child process and waits for it — so that mode
 * cannot be written as an app; the one-fiber poll loop is the only mode.
 */
import { type App, isErrno, strerror, type Sys, type Wait } from "../../kernel/syscall/api.ts";
import { getopt, intArg } from "../lib/getopt.ts";
import { eprint, EX_USAGE, fail } from "../lib/stdio.ts";
import { HttpServer, type ServerOptions } from "./server.ts";

const USAGE = "usage: httpd [-p port] [-d dir] [-c maxconn] [-T timeout]\n";

/** Parses httpd's argv (argv[0] included) into server options, or an error message. */
export function parseHttpdArgs(argv: readonly string[]): ServerOptions | string {
  const g = getopt(argv.slice(1), "p:d:c:T:", ["per-connection"]);
  if (!g.ok) return g.error;
  const { opts, operands } = g.value;
  if (operands.length > 0) return `unexpected argument ${operands[0]}`;
  if (opts.has("per-connection")) {
    return "--per-connection is not supported: the syscall API cannot start a thread";
  }
  const port = intArg(opts.get("p") ?? "80", 1, 65535);
  if (port === null) return `bad port ${opts.get("p")}`;
  const maxConns = intArg(opts.get("c") ?? "0", 0, 1000000);
  if (maxConns === null) return `bad connection limit ${opts.get("c")}`;
  const timeoutSec = intArg(opts.get("T") ?? "60", 1, 86400);
  if (timeoutSec === null) return `bad timeout ${opts.get("T")}`;
  const root = opts.get("d") ?? "/www";
  if (!root.startsWith("/")) return `document root must be absolute: ${root}`;
  return { port, root, maxConns, timeoutSec };
}

function* main(sys: Sys, argv: string[]): Wait<number> {
  const o = parseHttpdArgs(argv);
  if (typeof o === "string") {
    yield* eprint(sys, `httpd: ${o}\n`);
    yield* eprint(sys, USAGE);
    return EX_USAGE;
  }
  const server = new HttpServer(sys, o);
  try {
    server.listen();
  } catch (e) {
    return yield* fail(sys, "httpd", `cannot listen on port ${o.port}: ${(e as Error).message}`);
  }
  try {
    yield* server.enterRoot();
  } catch (e) {
    const why = isErrno(e) ? strerror(e.errno) : (e as Error).message;
    return yield* fail(
      sys,
      "httpd",
      `cannot enter document root ${o.root}: ${why}`,
    );
  }
  return yield* server.run();
}

export const httpd: App = { name: "httpd", main, summary: "thttpd-style HTTP/1.1 file server" };
export default httpd;
