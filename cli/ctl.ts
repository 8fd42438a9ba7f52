/**
 * ctl.ts — `deno task ctl`: rumpctrl. Runs one of rumpsim's programs as a remote client
 * of a running kernel (booted with `--sysproxy URL`), or, with no command, an interactive
 * shell whose prompt names the server.
 *
 *   deno task ctl --server unix:/tmp/rump.sock ifconfig
 *   RUMP_SERVER=tcp:127.0.0.1:9999 deno task ctl netstat -s
 *   deno task ctl --server unix:/tmp/rump.sock          (a shell: `server:unix:...$ `)
 *
 * The program runs on a worker (ctl_worker.ts) whose calls block on a shared channel;
 * this thread owns the connection: it carries each call out and its RESULT back, writes
 * what the remote process prints on its terminal (OUTPUT) to stdout or stderr, answers
 * its terminal reads (INPUT_REQ) from stdin, and turns Ctrl-C into an INTERRUPT (SIGINT
 * to the remote process in its call): running a command, ctl ends it and exits 130; in the
 * interactive shell, it interrupts the programs the shell runs (the foreground job) and
 * the shell goes on, as in a terminal.
 *
 * Rules: every failure is one line on stderr and a status: 2 for a usage error, 1 when the
 * server cannot be reached, refuses or goes away, 127 for an unknown program; otherwise
 * the program's own status. A TCP server's token comes from --token, else from the token
 * file the server wrote in the current directory.
 */
import { connectUnix, type HostStreamConn } from "../host/unix_sockets.ts";
import { connectTcp } from "../host/sockets.ts";
import {
  emitFrame,
  type Frame,
  FrameDecoder,
  FrameType,
  HEADER_LEN,
  parseFrame,
  ProtocolError,
  SYSPROXY_VERSION,
} from "../sysproxy/protocol.ts";
import { ChannelOwner, newChannelBuffer } from "../sysproxy/sync_channel.ts";
import { Errno, errno, WNOHANG } from "../kernel/syscall/api.ts";
import { CTL_APPS } from "./ctl_apps.ts";
import { parseSysproxyUrl, type SysproxyUrl, tokenPath } from "./sysproxy.ts";

const USAGE = `usage: deno task ctl [--server URL] [--token TOKEN] [COMMAND [ARGS...]]
       deno task ctl [--server URL] [--token TOKEN] --wasm PROG.wasm [-- ARGS...]

Runs COMMAND (ifconfig, netstat, ls, cat, stat, df, mount, ping, wget, sh, ...) as a
remote client of a kernel booted with --sysproxy URL; with no COMMAND, a shell.
  --server URL   unix:PATH or tcp:ADDR:PORT (default: $RUMP_SERVER)
  --token TOKEN  a TCP server's token (default: read from its token file here)
  --wasm FILE    run a WebAssembly program (wasm32-wasi, deno task cc) as the client
`;

/** The environment a remote program gets (the shell image's). */
const CTL_ENV = { PATH: "/bin", HOME: "/" };

class CtlError extends Error {
  constructor(message: string, readonly status = 1) {
    super(message);
  }
}

/** Runs ctl; returns the exit status. */
export async function ctlMain(args: string[]): Promise<number> {
  try {
    return await ctl(args);
  } catch (e) {
    if (e instanceof CtlError) {
      console.error(`ctl: ${e.message}`);
      return e.status;
    }
    throw e;
  }
}

async function ctl(args: string[]): Promise<number> {
  const { values: v, positionals } = parseCtlArgs(args);
  if (v.help) {
    console.log(USAGE);
    return 0;
  }
  const spec = v.server ?? Deno.env.get("RUMP_SERVER");
  if (!spec) throw new CtlError("no server: give --server URL or set RUMP_SERVER", 2);
  let url: SysproxyUrl;
  try {
    url = parseSysproxyUrl(spec);
  } catch (e) {
    throw new CtlError(`--server: ${(e as Error).message}`, 2);
  }
  let wasm: Uint8Array | null = null;
  if (v.wasm !== undefined) {
    try {
      wasm = Deno.readFileSync(v.wasm);
    } catch (e) {
      throw new CtlError(`--wasm: ${v.wasm}: ${(e as Error).message.split("\n")[0]}`, 2);
    }
  }
  const interactive = positionals.length === 0 && wasm === null;
  const progName = (v.wasm ?? "").split("/").pop()!.replace(/\.wasm$/, "");
  const argv = wasm ? [progName, ...positionals] : interactive ? ["sh"] : positionals;
  const names = CTL_APPS.map((a) => a.name);
  if (!wasm && !names.includes(argv[0])) {
    throw new CtlError(`${argv[0]}: no such program (programs: ${names.sort().join(", ")})`, 127);
  }
  const token = url.kind === "tcp" ? v.token ?? readToken(url) : "";

  // Connect and shake hands.
  let conn: HostStreamConn;
  try {
    conn = url.kind === "unix"
      ? await connectUnix(url.path)
      : await connectTcp({ hostname: url.hostname, port: url.port });
  } catch (e) {
    throw new CtlError(`${spec}: cannot connect: ${(e as Error).message.split("\n")[0]}`);
  }
  const link = new Link(conn, spec);
  try {
    await link.send(emitFrame({
      type: FrameType.HELLO,
      version: SYSPROXY_VERSION,
      token,
      progname: argv[0],
    }));
    const welcome = await link.next();
    if (welcome.frame.type === FrameType.REFUSED) {
      throw new CtlError(`${spec}: ${welcome.frame.reason}`);
    }
    if (welcome.frame.type !== FrameType.WELCOME) {
      throw new CtlError(`${spec}: the server did not answer the handshake`);
    }
    const prompt = `${welcome.frame.hostname}:${spec}$ `;
    return await runRemote(link, welcome.bytes, argv, interactive ? prompt : null, wasm);
  } finally {
    conn.close();
  }
}

/**
 * ctl's own flags come first; the first other word is the command, and everything after
 * it is the command's (its flags are its own). `--` ends ctl's flags too.
 */
export function parseCtlArgs(
  args: string[],
): {
  values: { server?: string; token?: string; wasm?: string; help?: boolean };
  positionals: string[];
} {
  const values: { server?: string; token?: string; wasm?: string; help?: boolean } = {};
  let i = 0;
  for (; i < args.length; i++) {
    const a = args[i];
    if (a === "--") {
      i++;
      break;
    }
    if (a === "-h" || a === "--help") {
      values.help = true;
      continue;
    }
    const m = /^--(server|token|wasm)(?:=(.*))?$/s.exec(a);
    if (!m) {
      if (a.startsWith("-")) throw new CtlError(`unknown option ${a}`, 2);
      break;
    }
    const val = m[2] ?? args[++i];
    if (val === undefined) throw new CtlError(`--${m[1]} needs a value`, 2);
    values[m[1] as "server" | "token" | "wasm"] = val;
  }
  return { values, positionals: args.slice(i) };
}

/** The TCP token from the server's token file here; one line when there is none. */
function readToken(url: { hostname: string; port: number }): string {
  const path = tokenPath(url.hostname, url.port);
  try {
    return Deno.readTextFileSync(path).trim();
  } catch {
    throw new CtlError(
      `tcp:${url.hostname}:${url.port}: no token: give --token or run where ${path} is`,
    );
  }
}

/** The connection: whole frames in, bytes out. */
class Link {
  readonly #dec = new FrameDecoder();
  readonly #buf = new Uint8Array(64 * 1024);
  #writes: Promise<unknown> = Promise.resolve();

  constructor(readonly conn: HostStreamConn, readonly spec: string) {}

  /** Sends bytes after those sent before. */
  send(b: Uint8Array): Promise<unknown> {
    this.#writes = this.#writes.then(async () => {
      for (let off = 0; off < b.length;) off += await this.conn.write(b.subarray(off));
    });
    return this.#writes;
  }

  /** The next frame; CtlError when the connection ends or breaks the protocol. */
  async next(): Promise<{ frame: Frame; bytes: Uint8Array }> {
    for (;;) {
      let bytes: Uint8Array | null;
      try {
        bytes = this.#dec.next();
        if (bytes) return { frame: parseFrame(bytes), bytes };
      } catch (e) {
        if (e instanceof ProtocolError) throw new CtlError(`${this.spec}: bad frame: ${e.message}`);
        throw e;
      }
      let n: number | null;
      try {
        n = await this.conn.read(this.#buf);
      } catch {
        n = null;
      }
      if (n === null) throw new CtlError(`${this.spec}: the server closed the connection`);
      this.#dec.push(this.#buf.subarray(0, n));
    }
  }
}

/** A remote process whose program runs on a worker of ours. */
interface CtlProc {
  pid: number;
  parent: number;
  worker: Worker;
  owner: ChannelOwner;
  /** The call in flight, for an INTERRUPT. */
  inFlight: number | null;
  /** Ctrl-C reached it (interactive): its next call is interrupted too, should this one
   * have crossed its RESULT or none be in flight. */
  interrupted: boolean;
  /** Exit status once its program ended; collected by waitpid. */
  status: number | null;
  /** A waitpid of this process's parent, waiting for a child. */
  waiting: { pid: number; owner: ChannelOwner } | null;
}

/** Runs the program (and the children it starts) on workers; the program's exit status. */
async function runRemote(
  link: Link,
  welcome: Uint8Array,
  argv: string[],
  prompt: string | null,
  wasm: Uint8Array | null,
): Promise<number> {
  const rootPid = (parseFrame(welcome) as { pid: number }).pid;
  const procs = new Map<number, CtlProc>();
  const enc = new TextEncoder();
  let finished = false;
  let settle!: (status: number) => void;
  const done = new Promise<number>((r) => (settle = r));
  const finish = (status: number, line?: string) => {
    if (finished) return;
    finished = true;
    if (line) console.error(`ctl: ${line}`);
    settle(status);
  };
  const goneAll = (why: string) => {
    for (const p of procs.values()) p.owner.gone(why);
  };
  const answer = (owner: ChannelOwner, pid: number, r: { pid: number; status: number } | null) => {
    owner.reply(emitFrame(
      r ? { type: FrameType.RESULT, reqid: 0, pid, errno: 0, message: "", value: r, out: [] } : {
        type: FrameType.RESULT,
        reqid: 0,
        pid,
        errno: errno.ECHILD,
        message: new Errno(errno.ECHILD, "waitpid").message,
        value: undefined,
        out: [],
      },
    ));
  };
  /** A child of `parent` matching `pid` (-1: any) that has ended, collected; or why not. */
  const reap = (parent: number, pid: number): { pid: number; status: number } | "none" | "wait" => {
    let any = false;
    for (const p of procs.values()) {
      if (p.parent !== parent || (pid !== -1 && p.pid !== pid)) continue;
      any = true;
      if (p.status !== null) {
        procs.delete(p.pid);
        return { pid: p.pid, status: p.status };
      }
    }
    return any ? "wait" : "none";
  };
  const start = (
    pid: number,
    parent: number,
    name: string,
    args: string[],
    env: Record<string, string>,
    program: Uint8Array | null = null,
  ) => {
    const sab = newChannelBuffer();
    const worker = new Worker(new URL("./ctl_worker.ts", import.meta.url), { type: "module" });
    const p: CtlProc = {
      pid,
      parent,
      worker,
      owner: new ChannelOwner(sab),
      inFlight: null,
      interrupted: false,
      status: null,
      waiting: null,
    };
    procs.set(pid, p);
    worker.onmessage = (ev: MessageEvent) => onMessage(p, ev.data);
    worker.onerror = (e) => {
      e.preventDefault();
      finish(1, `internal error: ${e.message}`);
    };
    worker.postMessage({ sab, welcome, pid, name, argv: args, env, wasm: program });
  };
  const onMessage = (p: CtlProc, m: Record<string, any>) => {
    switch (m.t) {
      case "call": {
        const req = p.owner.take();
        if (!req) return;
        p.inFlight = new DataView(req.buffer, req.byteOffset, HEADER_LEN).getUint32(8, true);
        link.send(req).catch(() => p.owner.gone(`${link.spec}: the connection broke`));
        if (p.interrupted) interrupt(p);
        return;
      }
      case "spawn":
        start(m.pid, m.parent, m.name, m.argv, m.env);
        return;
      case "waitpid": {
        const r = reap(p.pid, m.pid);
        if (r === "none") return answer(p.owner, p.pid, null);
        if (r !== "wait") return answer(p.owner, p.pid, r);
        if (m.options & WNOHANG) return answer(p.owner, p.pid, { pid: 0, status: 0 });
        p.waiting = { pid: m.pid, owner: p.owner };
        return;
      }
      case "done": {
        p.worker.terminate();
        if (p.pid === rootPid) return finish(m.status ?? 0);
        p.status = m.status ?? 0;
        const parent = procs.get(p.parent);
        if (parent?.waiting && (parent.waiting.pid === -1 || parent.waiting.pid === p.pid)) {
          const r = reap(parent.pid, parent.waiting.pid);
          if (typeof r === "object") {
            parent.waiting = null;
            answer(parent.owner, parent.pid, r);
          }
        } else if (!parent || parent.status !== null) procs.delete(p.pid); // nobody will wait
        return;
      }
      case "gone":
        return finish(1, m.message);
    }
  };
  const interrupt = (p: CtlProc) => {
    if (p.inFlight === null) return;
    link.send(emitFrame({ type: FrameType.INTERRUPT, reqid: p.inFlight, pid: p.pid }));
  };
  const onSigint = () => {
    if (prompt !== null) {
      // The interactive shell: SIGINT to the foreground job, as a terminal sends it — the
      // programs the shell runs; the shell itself goes on to its next prompt.
      for (const p of procs.values()) {
        if (p.pid === rootPid || p.status !== null) continue;
        p.interrupted = true;
        interrupt(p);
      }
      return;
    }
    for (const p of procs.values()) {
      if (p.inFlight !== null) {
        link.send(emitFrame({ type: FrameType.INTERRUPT, reqid: p.inFlight, pid: p.pid }));
      }
    }
    link.send(new Uint8Array(0)).finally(() => finish(130));
  };
  Deno.addSignalListener("SIGINT", onSigint);
  // Frames from the server, until the program ends or the connection does.
  const pump = (async () => {
    const stdinBuf = new Uint8Array(64 * 1024);
    for (;;) {
      let f: { frame: Frame; bytes: Uint8Array };
      try {
        f = await link.next();
      } catch (e) {
        const why = e instanceof CtlError ? e.message : String(e);
        goneAll(why);
        finish(1, why);
        return;
      }
      const fr = f.frame;
      switch (fr.type) {
        case FrameType.RESULT:
        case FrameType.KILLED: {
          const p = procs.get(fr.pid);
          if (!p) break;
          p.inFlight = null;
          if (fr.type === FrameType.KILLED) p.interrupted = false;
          p.owner.reply(f.bytes);
          break;
        }
        case FrameType.OUTPUT: {
          const out = fr.stream === 2 ? Deno.stderr : Deno.stdout;
          let data = fr.data;
          // The shell's "$ " prompt names the server (rumpctrl's prompt does).
          if (prompt && fr.stream === 2 && data.length === 2 && data[0] === 0x24) {
            data = enc.encode(prompt);
          }
          for (let off = 0; off < data.length;) off += out.writeSync(data.subarray(off));
          break;
        }
        case FrameType.INPUT_REQ: {
          let n: number | null = null;
          try {
            n = await Deno.stdin.read(stdinBuf.subarray(0, Math.max(1, fr.max)));
          } catch { /* stdin closed: end of file */ }
          link.send(emitFrame({
            type: FrameType.INPUT,
            reqid: fr.reqid,
            pid: fr.pid,
            data: n === null ? new Uint8Array(0) : stdinBuf.slice(0, n),
          }));
          break;
        }
        case FrameType.REFUSED:
          goneAll(`${link.spec}: ${fr.reason}`);
          finish(1, `${link.spec}: ${fr.reason}`);
          return;
        default:
          goneAll(`${link.spec}: unexpected frame type ${fr.type}`);
          finish(1, `${link.spec}: unexpected frame type ${fr.type}`);
          return;
      }
    }
  })();
  start(rootPid, 0, argv[0], argv, CTL_ENV, wasm);
  try {
    return await done;
  } finally {
    Deno.removeSignalListener("SIGINT", onSigint);
    for (const p of procs.values()) p.worker.terminate();
    link.conn.close();
    await pump.catch(() => {});
  }
}

if (import.meta.main) Deno.exit(await ctlMain(Deno.args));
