/**
 * client_sys.ts — the client side of sysproxy (NetBSD's librumpclient): a `Sys` whose
 * calls run in a remote kernel, so an app written for rumpsim runs unchanged against a
 * running kernel (rumpctrl), and the runner that runs such an app.
 *
 * The client is synchronous: `exchange` sends one CALL frame and returns the RESULT frame
 * for it, blocking the calling thread meanwhile (sync_channel.ts does that from a worker).
 * So a call that may wait is a generator that never yields: the wait happens in the
 * kernel, on the process's own thread there. The calls offered are the ones the server's
 * WELCOME lists (a name, `*` for one that may wait), so a call added to the kernel is
 * served without a change here.
 *
 * Copyin and copyout: a buffer a call reads from (write, send, ...) travels with the
 * CALL; a buffer it fills (read, pread, recv, recvfrom, getrandom) is sent as its length
 * only (OutBuf) and comes back in the RESULT, copied into the caller's buffer. A buffer
 * over MAX_IO is cut to MAX_IO (a short read or write, which callers handle). poll's
 * revents come back in its result.
 *
 * Process calls are the client's: `exit` unwinds the app (ClientExit); `posix_spawn` forks
 * a child process in the kernel (it inherits descriptors and cwd) and has the client run
 * the named app of its own on it, concurrently (`Local.spawn`: ctl gives it a thread of
 * its own), which ends it with `exit`; `waitpid` asks the client for a child's status
 * (`Local.waitpid`); `spawn` is the two together; `apps` lists the client's apps. A call
 * the process did not survive (a signal: KILLED) unwinds the app with the status the
 * kernel gives it (128 + signal).
 *
 * Rules: a failed call throws Errno with the kernel's number and whole message; a lost
 * connection throws ServerGone (not an Errno: apps do not catch it) with one line.
 */
import { type App, Errno, type PollFd, type Sys } from "../kernel/syscall/api.ts";
import {
  emitFrame,
  FrameType,
  MAX_IO,
  OutBuf,
  parseFrame,
  ProtocolError,
  type Value,
  type Welcome,
} from "./protocol.ts";

/** The connection is gone: `message` says why, in one line. */
export class ServerGone extends Error {
  constructor(message: string) {
    super(message);
    this.name = "ServerGone";
  }
}

/** exit(2) in a client app: unwinds to the runner with the status. */
export class ClientExit {
  constructor(readonly status: number) {}
}

/** Sends one CALL frame, returns the RESULT (or KILLED) frame's bytes; throws ServerGone. */
export type Exchange = (call: Uint8Array) => Uint8Array;

/** What the client itself does for process calls (ctl.ts: workers). */
export interface Local {
  /** Runs `name` on the forked process `pid` (a child of `parent`), in the background. */
  spawn(
    parent: number,
    pid: number,
    name: string,
    argv: string[],
    env: Record<string, string>,
  ): void;
  /** waitpid(2) for `parent`'s children: {pid, status}, pid 0 with WNOHANG; ECHILD. */
  waitpid(parent: number, pid: number, options: number): { pid: number; status: number };
}

/** Calls whose buffer argument (at the index given) is filled by the kernel. */
const COPYOUT: Record<string, number> = { read: 1, pread: 1, recv: 1, recvfrom: 1, getrandom: 0 };

/** A connection's calls, after the handshake. */
export class RemoteKernel {
  #reqid = 1;
  /** Call names → whether the call may wait. */
  readonly calls = new Map<string, boolean>();
  /** Calls made, for benchmarks. */
  count = 0;

  constructor(
    readonly welcome: Welcome,
    readonly exchange: Exchange,
    readonly apps: readonly App[],
    readonly local: Local,
  ) {
    for (const c of welcome.calls) {
      if (c.endsWith("*")) this.calls.set(c.slice(0, -1), true);
      else this.calls.set(c, false);
    }
  }

  /** Runs `name` in process `pid`; the value it returned and the buffers it filled. */
  call(pid: number, name: string, args: Value[]): { value: Value; out: Uint8Array[] } {
    const reqid = this.#reqid++;
    this.count++;
    const bytes = this.exchange(emitFrame({ type: FrameType.CALL, reqid, pid, name, args }));
    let f;
    try {
      f = parseFrame(bytes);
    } catch (e) {
      if (e instanceof ProtocolError) throw new ServerGone(`bad reply: ${e.message}`);
      throw e;
    }
    if (f.type === FrameType.KILLED && f.reqid === reqid) throw new ClientExit(f.status);
    if (f.type !== FrameType.RESULT || f.reqid !== reqid) {
      throw new ServerGone(`reply out of order (type ${f.type})`);
    }
    if (f.errno !== 0) {
      const e = new Errno(f.errno);
      e.message = f.message;
      throw e;
    }
    return { value: f.value, out: f.out };
  }

  /** The Sys of remote process `pid`. */
  sys(pid: number): Sys {
    const out: Record<string, unknown> = {};
    for (const [name, wait] of this.calls) {
      const invoke = (args: unknown[]) => this.#invoke(pid, name, args);
      out[name] = wait
        ? function* (...args: unknown[]) {
          return invoke(args);
        }
        : (...args: unknown[]) => invoke(args);
    }
    out.getpid = () => pid;
    out.exit = (status: number): never => {
      throw new ClientExit(status);
    };
    out.apps = () => this.apps.map((a) => a.name).sort();
    // deno-lint-ignore no-this-alias
    const rk = this;
    const posixSpawn = (name: string, argv: string[], env?: Record<string, string>) => {
      if (!rk.apps.some((a) => a.name === name)) throw new Errno(2, name); // ENOENT
      const child = rk.call(pid, "fork", [name]).value as number;
      rk.local.spawn(pid, child, name, [...argv], { ...env });
      return child;
    };
    out.posix_spawn = posixSpawn;
    out.waitpid = function* (child: number, options = 0) {
      return rk.local.waitpid(pid, child, options);
    };
    out.spawn = function* (name: string, argv: string[], env?: Record<string, string>) {
      return rk.local.waitpid(pid, posixSpawn(name, argv, env), 0).status;
    };
    return out as unknown as Sys;
  }

  #invoke(pid: number, name: string, args: unknown[]): unknown {
    const outAt = COPYOUT[name] ?? -1;
    const wire: Value[] = args.map((a, i) => {
      if (a instanceof Uint8Array) {
        const b = a.length > MAX_IO ? a.subarray(0, MAX_IO) : a;
        return i === outAt ? new OutBuf(b.length) : b;
      }
      return a as Value;
    });
    if (name === "poll") {
      const fds = args[0] as PollFd[];
      const r = this.call(pid, name, [
        fds.map((p) => ({ fd: p.fd, events: p.events, revents: 0 })),
        args[1] as number,
      ]).value as { n: number; revents: number[] };
      fds.forEach((p, i) => (p.revents = r.revents[i] ?? 0));
      return r.n;
    }
    const { value, out } = this.call(pid, name, wire);
    if (outAt >= 0 && out[0]) (args[outAt] as Uint8Array).set(out[0]);
    return value;
  }
}

/**
 * Runs `app` on `sys` to its end; its exit status, as the kernel's runner gives it: what
 * main returns or exit's status (& 0xff); an Errno escaping main prints `<app>: <message>`
 * on its stderr and is status 1, any other exception `<app>: uncaught exception: ...`.
 * ServerGone is thrown on.
 */
export function runClientApp(
  app: App,
  sys: Sys,
  argv: string[],
  env: Record<string, string>,
): number {
  let status: number;
  try {
    const g = app.main(sys, [...argv], { ...env });
    const r = g.next();
    if (!r.done) throw new Error("the app waited outside a system call");
    status = Number(r.value) | 0;
  } catch (e) {
    if (e instanceof ServerGone) throw e;
    if (e instanceof ClientExit) status = e.status;
    else {
      const msg = e instanceof Errno
        ? `${app.name}: ${e.message}\n`
        : `${app.name}: uncaught exception: ${e instanceof Error ? e.message : String(e)}\n`;
      try {
        const g = sys.write(2, new TextEncoder().encode(msg));
        g.next();
      } catch (e2) {
        if (e2 instanceof ServerGone) throw e2;
      }
      status = 1;
    }
  }
  return status & 0xff;
}
