/**
 * sysproxy.ts — `--sysproxy URL` put together: a host listener (unix socket or TCP) whose
 * connections reach the kernel's sysproxy server (sysproxy/server.ts), for a realtime
 * boot of any image (rump_sp(7)'s URL forms):
 *
 *   unix:PATH             a unix socket at PATH (unix://PATH too), mode 0600, removed at exit
 *   tcp:PORT              TCP on loopback (127.0.0.1) only
 *   tcp:ADDR:PORT         TCP on ADDR, named explicitly; PORT 0 lets the host pick. A TCP
 *                         server asks a token, written to an owner-only file (tokenPath)
 *                         that clients read, removed at exit.
 *
 * Order: `openSysproxy` binds the listener before the machine boots (a bad URL or a path
 * in use fails in one line, before boot); `attach` from onBoot (before the netdev's attach)
 * makes the server on the kernel and the idle policy host-aware; connections are taken once
 * the kernel has finished rump_init (the app runner exists) and `ready` is printed then;
 * `close` ends every client (REFUSED "server halted") and releases the listener and files.
 *
 * Rules: host callbacks change kernel state only through events at "now" on the machine's
 * scheduler, which the host-aware idle policy runs (as HostWork's functions are run); every
 * host resource is released on every path out.
 */
import { hostIdle, machineHostWork } from "../platform/hw/host_idle.ts";
import type { Booted } from "../rumprun/boot.ts";
import { type HostStreamConn, type HostUnixListener, listenUnix } from "../host/unix_sockets.ts";
import { type HostTcpListener, listenTcp } from "../host/sockets.ts";
import { type ServerConn, SysproxyServer, type Transport } from "../sysproxy/server.ts";
import { MAX_FRAME } from "../sysproxy/protocol.ts";

export type SysproxyUrl =
  | { kind: "unix"; path: string }
  | { kind: "tcp"; hostname: string; port: number };

/** Parses a server URL; throws an Error whose message names the bad part. */
export function parseSysproxyUrl(spec: string): SysproxyUrl {
  let m = /^unix:(?:\/\/)?(.+)$/.exec(spec);
  if (m) return { kind: "unix", path: m[1] };
  // tcp:PORT (or tcp::PORT) is loopback; any other address must be named.
  m = /^tcp:(?:\/\/)?:?(\d{1,5})$/.exec(spec);
  if (m) spec = `tcp:127.0.0.1:${m[1]}`;
  m = /^tcp:(?:\/\/)?([^:]+):(\d{1,5})$/.exec(spec);
  if (m) {
    const port = Number(m[2]);
    if (port > 65535) throw new Error(`"${spec}": port ${port} is out of range`);
    if (!/^\d{1,3}(\.\d{1,3}){3}$/.test(m[1]) && m[1] !== "localhost") {
      throw new Error(`"${spec}": "${m[1]}" is not an IPv4 address`);
    }
    return { kind: "tcp", hostname: m[1] === "localhost" ? "127.0.0.1" : m[1], port };
  }
  throw new Error(`"${spec}" is not unix:PATH or tcp:ADDR:PORT`);
}

/** The URL as text (a TCP port 0 replaced by the one bound). */
export function formatSysproxyUrl(u: SysproxyUrl): string {
  return u.kind === "unix" ? `unix:${u.path}` : `tcp:${u.hostname}:${u.port}`;
}

/** Where a TCP server at `hostname:port` writes its token (in the current directory). */
export function tokenPath(hostname: string, port: number): string {
  return `.sysproxy-${hostname}-${port}.token`;
}

export interface SysproxyListener {
  /** The URL clients use (with the bound port). */
  readonly url: string;
  /** The token file, for TCP. */
  readonly tokenFile: string | null;
  attach(b: Booted, say: (line: string) => void): void;
  /** The server, once attached. */
  readonly server: SysproxyServer | null;
  close(): Promise<void>;
}

/** Binds the listener for `spec`; a one-line Error when it cannot. */
export async function openSysproxy(spec: string): Promise<SysproxyListener> {
  const url = parseSysproxyUrl(spec);
  let unix: HostUnixListener | null = null;
  let tcp: HostTcpListener | null = null;
  let token: string | null = null;
  let tokenFile: string | null = null;
  let text: string;
  if (url.kind === "unix") {
    unix = await listenUnix(url.path);
    text = formatSysproxyUrl(url);
  } else {
    try {
      tcp = listenTcp({ hostname: url.hostname, port: url.port });
    } catch (e) {
      throw new Error(`${spec}: ${(e as Error).message}`);
    }
    const port = tcp.addr.port;
    text = formatSysproxyUrl({ ...url, port });
    const raw = new Uint8Array(16);
    crypto.getRandomValues(raw);
    token = [...raw].map((b) => b.toString(16).padStart(2, "0")).join("");
    tokenFile = tokenPath(url.hostname, port);
    try {
      Deno.removeSync(tokenFile);
    } catch { /* none yet */ }
    Deno.writeTextFileSync(tokenFile, token + "\n", { mode: 0o600, createNew: true });
  }
  let server: SysproxyServer | null = null;
  const hostConns = new Map<HostStreamConn, () => Promise<unknown>>();
  let closed = false;
  let watch: ReturnType<typeof setInterval> | undefined;
  let post: ((fn: () => void) => void) | null = null;
  let release: (() => void) | null = null;

  const serve = (c: HostStreamConn) => {
    let sc: ServerConn | null = null;
    let writes: Promise<unknown> = Promise.resolve();
    let ended = false;
    hostConns.set(c, () => writes);
    const transport: Transport = {
      send(frame) {
        writes = writes.then(() => writeAll(c, frame)).catch(() => {});
      },
      close() {
        if (ended) return;
        ended = true;
        writes.finally(() => {
          c.close();
          hostConns.delete(c);
        });
      },
    };
    post!(() => (sc = server!.connect(transport)));
    (async () => {
      const buf = new Uint8Array(64 * 1024);
      for (;;) {
        let n: number | null;
        try {
          n = await c.read(buf);
        } catch {
          n = null;
        }
        if (n === null) break;
        const chunk = buf.slice(0, n);
        post!(() => sc?.receive(chunk));
      }
      post!(() => sc?.hangup());
    })();
  };

  const acceptLoop = async () => {
    for (;;) {
      let c: HostStreamConn;
      try {
        c = await (unix ? unix.accept() : tcp!.accept());
      } catch {
        return; // closed
      }
      if (closed) {
        c.close();
        return;
      }
      serve(c);
    }
  };

  return {
    url: text,
    tokenFile,
    get server() {
      return server;
    },
    attach(b, say) {
      const m = b.machine;
      const k = b.kernel;
      if (!m.waiter) throw new Error("--sysproxy needs a realtime run");
      const waiter = m.waiter;
      // Host events reach the kernel as events at "now"; the idle policy must run them when
      // the CPU is halted on the host (a netdev attached after this installs its own, which
      // does the same).
      m.sched.idle = hostIdle(m, machineHostWork(m));
      post = (fn) => {
        m.sched.events.at(m.sched.clock.now(), fn);
        waiter.kick();
      };
      waiter.openSource();
      release = () => waiter.closeSource();
      server = new SysproxyServer(k, { token });
      // Take connections once the kernel is up: rump_init done, the app runner made.
      watch = setInterval(() => {
        if (k.sysctl.read("kern.proc") === undefined) return;
        clearInterval(watch);
        say(`sysproxy: serving on ${text}${tokenFile ? ` (token in ${tokenFile})` : ""}`);
        acceptLoop();
      }, 2);
    },
    async close() {
      if (closed) return;
      closed = true;
      clearInterval(watch);
      if (server && post) {
        // The machine may be halted: tell the clients directly, not through the kernel.
        server.shutdown("server halted");
      }
      unix?.close();
      tcp?.close();
      // Let the REFUSED frames go out (briefly), then close every connection.
      let timer: ReturnType<typeof setTimeout> | undefined;
      await Promise.race([
        Promise.all([...hostConns.values()].map((drain) => drain())),
        new Promise((r) => (timer = setTimeout(r, 500))),
      ]);
      clearTimeout(timer);
      for (const c of hostConns.keys()) c.close();
      if (tokenFile) {
        try {
          Deno.removeSync(tokenFile);
        } catch { /* already gone */ }
      }
      release?.();
    },
  };
}

async function writeAll(c: HostStreamConn, b: Uint8Array): Promise<void> {
  for (let off = 0; off < b.length;) {
    off += await c.write(b.subarray(off, Math.min(b.length, off + MAX_FRAME)));
  }
}
