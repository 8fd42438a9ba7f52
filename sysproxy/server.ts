/**
 * server.ts — the kernel side of sysproxy (NetBSD's rumpuser_sp.c): a running kernel
 * serving system calls to client processes over connections (docs/SYSPROXY.md).
 *
 * Each connection, once its HELLO is accepted, is a process in the kernel: its own pid
 * (from REMOTE_PID_BASE up, so never one the image's app runner gives), fd table, cwd and
 * umask; descriptors 0, 1 and 2 are the client's terminal (tty.ts). A `fork` call makes a
 * child process on the same connection (it inherits descriptors, cwd and umask); `exit`
 * ends one. Every process has a kernel thread of its own that runs the calls addressed to
 * its pid, one at a time, with the same `Sys` an app inside gets (kernel/syscall/sys.ts):
 * a call that blocks (accept, read, poll, nanosleep) blocks that thread only. Remote
 * processes are in the kernel's process table (allproc) while they live, so kill(2) from
 * any process — remote or the image's own — reaches them, and theirs reaches any process;
 * a signal that ends a remote process during a call is a KILLED frame for that call.
 *
 * The end of a process — `exit`, the connection closing, the server shutting down, an
 * INTERRUPT (SIGINT, unless the process ignores it) — kills it: the signal is posted (an
 * interruptible sleep ends; a call it ends answers KILLED, 128 + the signal) and
 * its socket and pipe files are revoked (closed at once, NetBSD's fo_restart: a call
 * blocked on one returns with an error); once no call is in flight its descriptors are
 * closed and its cwd released. Nothing it held outlives it.
 *
 * Rules: `receive`, `hangup` and `shutdown` run in the event loop's context (posted through
 * HostWork by whoever owns the host connection), never in a fiber. Bad input closes that
 * connection only, after one REFUSED frame saying why, and is counted by kind (malformed,
 * oversized, order); the kernel keeps serving. A JS error thrown by a call on bad
 * arguments is that call's EINVAL; a kernel panic is the kernel's and unwinds.
 */
import type { Blocking } from "../kernel/hypercall/rumpuser.ts";
import { EINVAL, EIO, ENOSYS, Errno, ESRCH } from "../kernel/kern/errno.ts";
import { OSRELEASE, OSTYPE } from "../kernel/kern/init.ts";
import { type Kernel, KernelPanic } from "../kernel/kern/kernel.ts";
import type { KCondvar, KMutex } from "../kernel/kern/sync.ts";
import type { PollFd, Sys } from "../kernel/syscall/api.ts";
import { type FileOps, KFile } from "../kernel/syscall/file.ts";
import { MACHINE } from "../kernel/syscall/kern_sysctl.ts";
import { allproc, Proc, ProcessExit } from "../kernel/syscall/proc.ts";
import { makeSys } from "../kernel/syscall/sys.ts";
import {
  type Call,
  emitFrame,
  type Frame,
  FrameDecoder,
  FrameType,
  MAX_IO,
  OutBuf,
  parseFrame,
  ProtocolError,
  SYSPROXY_VERSION,
  type Value,
} from "./protocol.ts";
import { ttyOpen, type TtyPeer } from "./tty.ts";
import { sysent } from "../kernel/syscall/systab.ts";

/** Remote processes are numbered from here up. */
export const REMOTE_PID_BASE = 1000;
/** SIGKILL's number: what the end of a remote process is. */
const SIGKILL = 9;
/** SIGINT's number: what an INTERRUPT (Ctrl-C) posts. */
const SIGINT = 2;
/** Calls the client implements itself, never sent. */
const CLIENT_CALLS = new Set(["exit", "spawn", "apps", "posix_spawn", "waitpid"]);
/** The most processes one connection may have at once (fork beyond: EAGAIN). */
export const MAX_PROCS_PER_CONN = 64;

const GeneratorFunction = Object.getPrototypeOf(function* () {}).constructor;

/** A connection's byte stream to the client, as the host side gives it. */
export interface Transport {
  /** Queues one frame for the client (in order; never waits). */
  send(frame: Uint8Array): void;
  /** Closes the connection (idempotent). */
  close(): void;
}

export interface SysproxyStats {
  /** Connections made, refused at the handshake, and open now. */
  connections: number;
  refused: number;
  open: number;
  /** Remote processes made, and alive now. */
  procs: number;
  live: number;
  calls: number;
  /** Connections closed for bad frames, by kind. */
  malformed: number;
  oversized: number;
  order: number;
}

export interface SysproxyOptions {
  /** The token a client's HELLO must carry (TCP); null: none asked (a unix socket). */
  token?: string | null;
}

/** The kernel side of sysproxy: one per kernel. */
export class SysproxyServer {
  readonly stats: SysproxyStats = {
    connections: 0,
    refused: 0,
    open: 0,
    procs: 0,
    live: 0,
    calls: 0,
    malformed: 0,
    oversized: 0,
    order: 0,
  };
  readonly token: string | null;
  /** Open connections. */
  readonly conns = new Set<ServerConn>();
  /** Connections open or with processes not yet released. */
  readonly held = new Set<ServerConn>();
  nextPid = REMOTE_PID_BASE;
  /** Call names and whether each may wait, from a Sys the kernel builds. */
  readonly calls: Map<string, boolean>;

  constructor(readonly k: Kernel, opts: SysproxyOptions = {}) {
    this.token = opts.token ?? null;
    const probe = makeSys(k, new Proc(0, "sysproxy-probe", null, [], {}), null);
    this.calls = new Map();
    for (const [name, fn] of Object.entries(probe)) {
      if (typeof fn !== "function" || CLIENT_CALLS.has(name)) continue;
      this.calls.set(name, fn instanceof GeneratorFunction);
    }
    k.sysctl.register("kern.sysproxy", () => ({ ...this.stats }));
    k.sysctl.register("kern.sysproxy_procs", () => [...this.held].flatMap((c) => c.procList()));
  }

  /** A new connection (event loop context): it waits for the client's HELLO. */
  connect(t: Transport): ServerConn {
    const c = new ServerConn(this, t);
    this.conns.add(c);
    this.held.add(c);
    this.stats.connections++;
    this.stats.open++;
    return c;
  }

  /** Ends every connection, telling each client `why` (event loop context). */
  shutdown(why: string): void {
    for (const c of [...this.conns]) c.refuse(why);
  }
}

/** One remote process: its Proc, its Sys, its thread's work. */
interface RemoteProc {
  proc: Proc;
  sys: Sys;
  call: Call | null;
  /** Being killed: its thread ends once no call is in flight. */
  dying: boolean;
  /** Its thread has released everything. */
  gone: boolean;
  cv: KCondvar;
}

/** An input request waiting for the client's INPUT. */
interface InputWait {
  pid: number;
  data: Uint8Array | null;
  done: boolean;
  cv: KCondvar;
}

/** One client connection. */
export class ServerConn implements TtyPeer {
  #state: "hello" | "ready" | "closed" = "hello";
  readonly #dec = new FrameDecoder();
  readonly #procs = new Map<number, RemoteProc>();
  readonly #inputs = new Map<number, InputWait>();
  #nextInput = 1;
  readonly #mtx: KMutex;
  readonly k: Kernel;

  constructor(readonly server: SysproxyServer, readonly t: Transport) {
    this.k = server.k;
    this.#mtx = this.k.mutex("sysproxy");
  }

  get closed(): boolean {
    return this.#state === "closed";
  }

  /** This connection's processes: pid, name, the call in flight, what the thread waits on. */
  procList(): {
    pid: number;
    name: string;
    call: string;
    dying: boolean;
    wmesg: string;
    fds: number;
  }[] {
    return [...this.#procs.values()].map((rp) => ({
      pid: rp.proc.pid,
      name: rp.proc.name,
      call: rp.call?.name ?? "",
      dying: rp.dying,
      wmesg: rp.proc.lwp?.wmesg ?? "",
      fds: rp.proc.fd.count,
    }));
  }

  /** Processes of this connection alive now. */
  get procCount(): number {
    let n = 0;
    for (const rp of this.#procs.values()) if (!rp.gone) n++;
    return n;
  }

  /** Bytes from the client (event loop context). */
  receive(chunk: Uint8Array): void {
    if (this.#state === "closed") return;
    try {
      this.#dec.push(chunk);
      for (let f = this.#dec.next(); f !== null; f = this.#dec.next()) {
        this.#frame(parseFrame(f));
        if (this.closed) return;
      }
    } catch (e) {
      if (!(e instanceof ProtocolError)) throw e;
      this.server.stats[e.kind === "order" ? "order" : e.kind]++;
      this.refuse(`protocol error: ${e.message}`);
    }
  }

  /** The client went away (event loop context): its processes are killed. */
  hangup(): void {
    this.#end();
  }

  /** Tells the client why in one REFUSED frame, then ends the connection. */
  refuse(why: string): void {
    if (this.#state === "closed") return;
    this.#send({ type: FrameType.REFUSED, reason: why });
    this.#end();
  }

  #send(f: Frame): void {
    if (this.#state === "closed") return;
    this.t.send(emitFrame(f));
  }

  #end(): void {
    if (this.#state === "closed") return;
    this.#state = "closed";
    this.server.conns.delete(this);
    this.server.stats.open--;
    this.t.close();
    for (const w of this.#inputs.values()) {
      w.done = true;
      w.cv.broadcast();
    }
    for (const rp of this.#procs.values()) this.#kill(rp);
    if (this.#procs.size === 0) this.server.held.delete(this);
  }

  #frame(f: Frame): void {
    const order = (why: string) => {
      throw new ProtocolError("order", why);
    };
    if (this.#state === "hello") {
      if (f.type !== FrameType.HELLO) order(`frame type ${f.type} before HELLO`);
      else this.#hello(f.version, f.token, f.progname);
      return;
    }
    switch (f.type) {
      case FrameType.CALL: {
        const rp = this.#procs.get(f.pid);
        if (!rp || rp.dying) {
          // A process of this client that has ended (killed, exited): ESRCH, not an error.
          if (f.pid < REMOTE_PID_BASE || f.pid >= this.server.nextPid) {
            return order(`call for pid ${f.pid}, not a process of this client`);
          }
          return this.#send({
            type: FrameType.RESULT,
            reqid: f.reqid,
            pid: f.pid,
            errno: ESRCH,
            message: new Errno(ESRCH, f.name.slice(0, 64)).message,
            value: undefined,
            out: [],
          });
        }
        if (rp.call) return order(`call ${f.reqid} while call ${rp.call.reqid} is in flight`);
        rp.call = f;
        rp.cv.broadcast();
        return;
      }
      case FrameType.INTERRUPT: {
        // A call that already finished is not an error: the RESULT crossed the INTERRUPT.
        const rp = this.#procs.get(f.pid);
        if (rp && rp.call?.reqid === f.reqid) this.#kill(rp, SIGINT);
        return;
      }
      case FrameType.INPUT: {
        const w = this.#inputs.get(f.reqid);
        if (!w || w.done) return order(`input for request ${f.reqid}, which was not asked`);
        w.data = f.data;
        w.done = true;
        w.cv.broadcast();
        return;
      }
      default:
        return order(`frame type ${f.type} from a client`);
    }
  }

  #hello(version: number, token: string, progname: string): void {
    const server = this.server;
    if (version !== SYSPROXY_VERSION) {
      server.stats.refused++;
      return this.refuse(
        `protocol version ${version} is not served (this server: ${SYSPROXY_VERSION})`,
      );
    }
    if (server.token !== null && token !== server.token) {
      server.stats.refused++;
      return this.refuse(
        "access denied: a valid token is needed (--token, or the server's token file)",
      );
    }
    this.#state = "ready";
    const name = (progname || "client").slice(0, 64);
    const rp = this.#spawn(name, null);
    this.#send({
      type: FrameType.WELCOME,
      version: SYSPROXY_VERSION,
      pid: rp.proc.pid,
      ostype: OSTYPE,
      osrelease: OSRELEASE,
      machine: MACHINE,
      hostname: this.k.hostname,
      calls: [...server.calls].map(([n, wait]) => wait ? `${n}*` : n),
    });
  }

  /** A new remote process (a child of `parent` when given) with its thread. */
  #spawn(name: string, parent: RemoteProc | null): RemoteProc {
    const k = this.k;
    const pid = this.server.nextPid++;
    const p = new Proc(pid, name, parent?.proc ?? null, [name], {});
    if (parent) {
      p.fd.inherit(parent.proc.fd);
      p.umask = parent.proc.umask;
    } else {
      for (let s = 0; s < 3; s++) p.fd.alloc(ttyOpen(this, pid, s));
    }
    sysent(k).vfs?.procInit(p, parent?.proc ?? null);
    const rp: RemoteProc = {
      proc: p,
      sys: makeSys(k, p, null),
      call: null,
      dying: false,
      gone: false,
      cv: k.cv(`sysproxy ${pid}`),
    };
    this.#procs.set(pid, rp);
    allproc(k).add(p); // kill(2) finds it, from here or from the image's processes
    this.server.stats.procs++;
    this.server.stats.live++;
    k.threadCreate(`sysproxy:${pid}`, () => this.#lwp(rp), { proc: p });
    return rp;
  }

  /**
   * Kills `rp` with `sig` (SIGKILL, or an INTERRUPT's SIGINT, which a process that ignores
   * SIGINT survives): the signal posted, its sockets and pipes revoked; its thread cleans up.
   */
  #kill(rp: RemoteProc, sig = SIGKILL): void {
    if (rp.dying) return;
    if (sig !== SIGKILL && rp.proc.sig.ignored.has(sig)) return;
    rp.dying = true;
    rp.proc.sig.post(sig);
    rp.cv.broadcast();
    for (const w of this.#inputs.values()) if (w.pid === rp.proc.pid) w.cv.broadcast();
    if (rp.call) this.k.threadCreate(`sysproxy:revoke`, () => revokeFiles(rp.proc));
  }

  /** The process's thread: its calls in order, then its release. */
  *#lwp(rp: RemoteProc): Blocking {
    const p = rp.proc;
    p.lwp = this.k.curlwp();
    for (;;) {
      if (rp.call === null && !rp.dying) {
        yield* this.#mtx.enter();
        while (rp.call === null && !rp.dying) yield* rp.cv.wait(this.#mtx);
        this.#mtx.exit();
      }
      const call = rp.call;
      if (call === null) break; // dying, nothing in flight
      const exited = yield* this.#run(rp, call);
      rp.call = null;
      if (exited || rp.dying) break;
    }
    rp.dying = true;
    yield* p.fd.closeAll();
    sysent(this.k).vfs?.procExit(p);
    p.state = "zomb";
    rp.gone = true;
    this.#procs.delete(p.pid);
    allproc(this.k).remove(p);
    this.server.stats.live--;
    if (this.closed && this.#procs.size === 0) this.server.held.delete(this);
    if (p.parent) {
      const sib = p.parent.children;
      const i = sib.indexOf(p);
      if (i >= 0) sib.splice(i, 1);
    }
  }

  /** Runs one call and sends its RESULT; true when the process ended with it. */
  *#run(rp: RemoteProc, call: Call): Blocking<boolean> {
    this.server.stats.calls++;
    // A process killed during the call (INTERRUPT, hangup) ends with it, whatever the call
    // returned: the client is told KILLED with 128 + the signal.
    const killed = (): boolean => {
      if (!rp.dying) return false;
      const status = 128 + (rp.proc.sig.pending || SIGKILL);
      this.#send({ type: FrameType.KILLED, reqid: call.reqid, pid: call.pid, status });
      return true;
    };
    const reply = (value: Value, out: Uint8Array[] = []) =>
      this.#send({
        type: FrameType.RESULT,
        reqid: call.reqid,
        pid: call.pid,
        errno: 0,
        message: "",
        value,
        out,
      });
    const fail = (errno: number, message: string) =>
      this.#send({
        type: FrameType.RESULT,
        reqid: call.reqid,
        pid: call.pid,
        errno,
        message,
        value: undefined,
        out: [],
      });
    if (call.name === "fork") {
      if (rp.dying || this.closed) return killed() || true; // a dying process makes no children
      if (this.procCount >= MAX_PROCS_PER_CONN) {
        fail(35, new Errno(35, "fork").message); // EAGAIN
        return false;
      }
      const child = this.#spawn(String(call.args[0] ?? rp.proc.name), rp);
      reply(child.proc.pid);
      return false;
    }
    if (call.name === "exit") {
      reply(undefined);
      return true;
    }
    const wait = this.server.calls.get(call.name);
    if (wait === undefined) {
      fail(ENOSYS, new Errno(ENOSYS, call.name.slice(0, 64)).message);
      return false;
    }
    const outs: Uint8Array[] = [];
    const args = call.args.map((a) => {
      if (!(a instanceof OutBuf)) return a;
      const b = new Uint8Array(Math.min(a.length, MAX_IO));
      outs.push(b);
      return b;
    });
    const fn = (rp.sys as unknown as Record<string, (...a: unknown[]) => unknown>)[call.name];
    try {
      let r = fn.apply(rp.sys, args);
      if (wait) r = yield* (r as Blocking<unknown>);
      if (call.name === "poll" && Array.isArray(args[0])) {
        r = { n: r as number, revents: (args[0] as unknown as PollFd[]).map((x) => x.revents) };
      }
      const n = typeof r === "number"
        ? r
        : typeof (r as { n?: unknown })?.n === "number"
        ? (r as { n: number }).n
        : -1;
      const copied = outs.map((b) => n >= 0 && n <= b.length ? b.subarray(0, n) : b);
      if (killed()) return true;
      reply(toValue(r), copied);
      return false;
    } catch (e) {
      if (e instanceof KernelPanic || isUnwind(e)) throw e;
      if (e instanceof ProcessExit) {
        // A signal ended the process during the call: the client unwinds it with the status.
        this.#send({ type: FrameType.KILLED, reqid: call.reqid, pid: call.pid, status: e.status });
        return true;
      }
      if (killed()) return true;
      if (e instanceof Errno) fail(e.errno, e.message);
      else fail(EINVAL, `${call.name}: bad arguments: ${(e as Error)?.message ?? e}`);
      return false;
    }
  }

  // --- the terminal (tty.ts) ---

  output(pid: number, stream: number, data: Uint8Array): void {
    for (let off = 0; off < data.length || off === 0; off += MAX_IO) {
      this.#send({ type: FrameType.OUTPUT, pid, stream, data: data.subarray(off, off + MAX_IO) });
      if (data.length === 0) break;
    }
  }

  *input(pid: number, max: number): Blocking<Uint8Array> {
    if (this.#state === "closed") throw new Errno(EIO, "read");
    const reqid = this.#nextInput++;
    const w: InputWait = { pid, data: null, done: false, cv: this.k.cv(`sysproxy input ${pid}`) };
    this.#inputs.set(reqid, w);
    this.#send({ type: FrameType.INPUT_REQ, reqid, pid, max: Math.min(max, MAX_IO) });
    const rp = this.#procs.get(pid);
    try {
      yield* this.#mtx.enter();
      while (!w.done && !rp?.dying) yield* w.cv.wait(this.#mtx);
      this.#mtx.exit();
    } finally {
      this.#inputs.delete(reqid);
    }
    if (w.data === null) throw new Errno(EIO, "read");
    return w.data;
  }
}

/** What a call returned, as a value the protocol carries. */
function toValue(r: unknown, depth = 0): Value {
  if (r === undefined || r === null || typeof r === "boolean" || typeof r === "string") return r;
  if (typeof r === "number") return r;
  if (typeof r === "bigint") return Number(r);
  if (r instanceof Uint8Array) return r;
  if (depth > 6) return null;
  if (Array.isArray(r)) return r.map((x) => toValue(x, depth + 1));
  if (r instanceof Map) {
    return Object.fromEntries([...r].map(([k, v]) => [String(k), toValue(v, depth + 1)]));
  }
  if (typeof r === "object") {
    const o: { [k: string]: Value } = {};
    for (const [k, v] of Object.entries(r)) {
      if (typeof v !== "function") o[k] = toValue(v, depth + 1);
    }
    return o;
  }
  return null;
}

/** A revoked file: every operation fails as on a closed descriptor. */
const revokedOps: FileOps = {
  kind: "revoked",
  *read() {
    throw new Errno(9); // EBADF
  },
  *write() {
    throw new Errno(9);
  },
  poll: () => 0x20, // POLLNVAL
  *stat() {
    throw new Errno(9);
  },
  *close() {},
};

/**
 * Revokes `p`'s sockets and pipes (the files a call can wait on without end): each is
 * closed now, which wakes whoever waits on it; its descriptors stay until the process
 * closes them, answering EBADF.
 */
function* revokeFiles(p: Proc): Blocking {
  for (const fd of p.fd.fds()) {
    if (!p.fd.isOpen(fd)) continue;
    const fp: KFile = p.fd.get(fd);
    if (fp.ops.kind !== "socket" && fp.ops.kind !== "pipe") continue;
    // The descriptor's file answers EBADF from now on; the object is closed through a
    // stand-in with its own operations (sockets check their file's operations).
    const real = new KFile(fp.ops, fp.flags, fp.data);
    fp.ops = revokedOps;
    try {
      yield* real.ops.close(real);
    } catch (e) {
      if (!(e instanceof Errno)) throw e; // a failing close still revokes the descriptor
    }
  }
}

/** The platform's unwind token (exec.ts recognises it the same way). */
function isUnwind(e: unknown): boolean {
  return typeof e === "object" && e !== null && !(e instanceof Error) && "machineExit" in e;
}
