/**
 * ctl_worker.ts — the thread one remote process's program runs on (ctl.ts starts one per
 * process: the command, and each child a shell starts): the app's calls block here, in
 * Atomics.wait (sysproxy/sync_channel.ts), while ctl's main thread carries them over the
 * connection, so calls that return at once (getpid, socket, sysctl) can return a value
 * the remote kernel computed, and a child runs while its parent waits or runs too.
 *
 * Messages in: one { sab, welcome, pid, name, argv, env, wasm } (welcome: the WELCOME
 * frame's bytes; pid: the remote process to run on; wasm: a WebAssembly program's bytes to
 * run, wasm/loader.ts, instead of the app `name`). Out: { t: "call" } for each request written
 * to the channel; { t: "spawn", parent, pid, name, argv, env } for a child to start;
 * { t: "waitpid", parent, pid, options } with the channel waiting for the answer (a
 * RESULT frame); then one { t: "done", status } or { t: "gone", message } (one line).
 *
 * Rules: a child process ends itself in the kernel (`exit`) before it reports done; the
 * first process ends when the connection does.
 */
/// <reference lib="deno.worker" />
import { CTL_APPS } from "./ctl_apps.ts";
import { ClientExit, RemoteKernel, runClientApp, ServerGone } from "../sysproxy/client_sys.ts";
import { type App, Errno } from "../kernel/syscall/api.ts";
import { loadWasm, wasmApp } from "../wasm/loader.ts";
import { FrameType, parseFrame } from "../sysproxy/protocol.ts";
import { workerExchange } from "../sysproxy/sync_channel.ts";

interface Start {
  sab: SharedArrayBuffer;
  /** A WebAssembly program to run instead of the app `name`. */
  wasm: Uint8Array | null;
  welcome: Uint8Array;
  pid: number;
  name: string;
  argv: string[];
  env: Record<string, string>;
}

self.onmessage = (ev: MessageEvent<Start>) => {
  const { sab, welcome, pid, name, argv, env, wasm } = ev.data;
  const w = parseFrame(welcome);
  if (w.type !== FrameType.WELCOME) {
    self.postMessage({ t: "gone", message: "no handshake" });
    return;
  }
  const exchange = workerExchange(sab, (msg) => self.postMessage(msg));
  const rk = new RemoteKernel(w, exchange, CTL_APPS, {
    spawn(parent, pid, name, argv, env) {
      self.postMessage({ t: "spawn", parent, pid, name, argv, env });
    },
    waitpid(parent, pid, options) {
      const f = parseFrame(exchange(new Uint8Array(0), { t: "waitpid", parent, pid, options }));
      if (f.type !== FrameType.RESULT) throw new ServerGone("waitpid: bad answer");
      if (f.errno !== 0) {
        const e = new Errno(f.errno);
        e.message = f.message;
        throw e;
      }
      return f.value as { pid: number; status: number };
    },
  });
  let app: App;
  try {
    app = wasm ? wasmApp(loadWasm(name, wasm)) : CTL_APPS.find((a) => a.name === name)!;
  } catch (e) {
    self.postMessage({ t: "gone", message: (e as Error).message.split("\n")[0] });
    return;
  }
  try {
    const status = runClientApp(app, rk.sys(pid), argv, env);
    if (pid !== w.pid) {
      try {
        rk.call(pid, "exit", [status]);
      } catch (e) {
        if (!(e instanceof Errno || e instanceof ClientExit)) throw e;
      }
    }
    self.postMessage({ t: "done", status });
  } catch (e) {
    self.postMessage({
      t: "gone",
      message: e instanceof ServerGone ? e.message : `${(e as Error)?.message ?? e}`,
    });
  }
};
