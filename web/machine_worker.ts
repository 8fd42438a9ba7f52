/**
 * machine_worker.ts — the machine's side of the page: runs in a Web Worker, one run per
 * worker, so the page stays responsive however busy the machine is.
 *
 * `serveMachine(name, image)` is what each image's worker bundle calls (cli/web.ts makes
 * one bundle per image, so a worker carries only its image's components). On "boot" it
 * runs the image as the command line would:
 *   - an image without interaction (hello) or a world (net-demo): `runImage`/`runWorld` in
 *     virtual time, with the same options `deno task boot` passes, so the console, the pcap
 *     and the trace are the command line's bytes for the same seed; a world gives the
 *     worker's event loop a turn every SLICE_MS (`yieldToHost`), so Halt stops it cleanly
 *     and its trace is complete;
 *   - the shell: `runImage` in realtime on the browser's clock (browser_clock.ts), COM1
 *     open for typed keys;
 *   - an image with a network (httpd, server): it and the request panel's client machine
 *     on one wire, realtime (realtime_world.ts; the client comes with the bundle).
 * Console bytes, pcap bytes (with the first frames decoded into rows here, off the page's
 * thread) and trace text stream to the page in batches as they are written; the trace is
 * complete when "exit" is posted.
 *
 * Rules: no DOM and no Deno here; an error out of the machine (a JS exception) ends the
 * run with its message on the console and an "exit" the page shows, never a silent stop.
 */
import type { Image } from "../kernel/syscall/image.ts";
import { isWorld, runWorld, type World } from "../rumprun/world.ts";
import { runImage } from "../rumprun/run.ts";
import type { Machine } from "../arch/machine.ts";
import type { FaultConfig } from "../arch/netdev/fault.ts";
import { Tracer } from "../sched/mod.ts";
import type { RunResult } from "../sched/mod.ts";
import { browserRealtime } from "./browser_clock.ts";
import { type BootRequest, type FromWorker, MAX_ROWS, type ToWorker } from "./protocol.ts";
import { type PacketRow, PcapRows } from "./packets.ts";
import { startRealtimePair } from "./realtime_world.ts";

/** What a worker's global scope offers (typed here, without the DOM's "webworker" lib). */
interface WorkerScope {
  postMessage(msg: FromWorker, transfer?: Transferable[]): void;
  onmessage: ((e: MessageEvent<ToWorker>) => void) | null;
}

/** What a networked image's bundle adds: the request panel's client machine. */
export interface ServeExtras {
  /** The image of the machine that sends the panel's requests (request_client.ts). */
  requestClient?: Image;
}

/** Whether an image reads its console when run interactively (the shell). */
function isInteractive(image: Image | World): boolean {
  return !isWorld(image) && image.components.some((c) => c.name === "rumpdev_com") &&
    image.apps.some((a) => a.app.name === "sh");
}

function hasNetwork(image: Image | World): boolean {
  return isWorld(image) || (image.config.net?.length ?? 0) > 0;
}

/** Starts answering the page's messages for `image` (call once, in the worker). */
export function serveMachine(
  name: string,
  image: Image | World,
  extras: ServeExtras = {},
  scope?: WorkerScope,
): void {
  const self = scope ?? (globalThis as unknown as WorkerScope);
  const out = outbox((m) => self.postMessage(m));
  const post = (m: FromWorker) => {
    out.flush(); // what the run wrote comes before what it led to
    self.postMessage(m);
  };
  const enc = new TextEncoder();
  let started = false;
  let machine: Machine | null = null;
  let halt: ((reason: string) => void) | null = null;
  let sendRequest: ((method: string, path: string) => void) | null = null;
  const pendingInput: Uint8Array[] = [];

  const consoleOut = out.console;
  const pcapOut = out.pcap;
  const tracer = new Tracer(out.trace);

  const ended = (status: number, result: RunResult) => {
    try {
      tracer.close();
    } catch { /* the trace is already closed */ }
    const message = result.kind === "halted"
      ? result.reason
      : result.kind === "deadlock"
      ? "deadlock: every thread waits and nothing can wake one"
      : "the apps exited";
    post({ type: "exit", status, kind: result.kind, message });
  };
  const failed = (e: unknown) => {
    const message = e instanceof Error ? e.message : String(e);
    consoleOut(enc.encode(`\r\nrumpsim: the machine stopped: ${message}\r\n`));
    try {
      tracer.close();
    } catch { /* already closed */ }
    post({ type: "exit", status: 1, kind: "error", message });
  };

  const boot = (r: BootRequest) => {
    if (started) throw new Error("this worker has run its machine; the page makes a new one");
    started = true;
    const fault: FaultConfig | undefined = r.loss > 0 || r.latencyMs > 0
      ? {
        ...(r.loss > 0 ? { loss: r.loss } : {}),
        ...(r.latencyMs > 0 ? { latencyNs: Math.round(r.latencyMs * 1e6) } : {}),
      }
      : undefined;
    if (isWorld(image)) {
      post({ type: "booted", mode: "virtual", requests: false });
      return runWorld(image.machines, {
        seed: r.seed,
        console: consoleOut,
        pcap: pcapOut,
        fault,
        trace: tracer,
        // The run is otherwise one synchronous task: the "halt" message is taken in a turn.
        yieldToHost: hostTurns(SLICE_MS),
        onBoot: (booted) => {
          halt = (reason) => {
            // A halt is the user's end of the run, not a failure (as for one machine).
            booted[booted.length - 1].user.exitStatus ??= 0;
            for (const b of booted) b.machine.halt(reason);
          };
        },
      }).then((o) => ended(o.status, o.result));
    }
    if (hasNetwork(image)) {
      // httpd: the image and the panel's client machine on one wire, in realtime.
      if (!extras.requestClient) throw new Error("this bundle has no request client");
      const pair = startRealtimePair(image, extras.requestClient, {
        seed: r.seed,
        console: consoleOut,
        clientConsole: clientLines((line) => {
          if (line.startsWith("response ")) {
            const raw = Uint8Array.from(atob(line.slice(9)), (c) => c.charCodeAt(0));
            post({ type: "response", ok: true, raw });
          } else if (line.startsWith("error ")) {
            post({ type: "response", ok: false, message: line.slice(6) });
          }
        }),
        pcap: pcapOut,
        fault,
        trace: tracer,
      });
      machine = pair.server.machine;
      halt = pair.halt;
      sendRequest = (method, path) => {
        pair.client.machine.uart.feed(enc.encode(`${method} ${path}\n`));
        pair.waiter.kick();
      };
      post({ type: "booted", mode: "realtime", requests: true });
      return pair.done.then((o) => ended(o.status, o.result));
    }
    const realtime = r.realtime;
    const host = realtime ? browserRealtime() : undefined;
    post({ type: "booted", mode: realtime ? "realtime" : "virtual", requests: false });
    return runImage(image, {
      seed: r.seed,
      mode: realtime ? "realtime" : "virtual",
      host,
      console: consoleOut,
      trace: tracer,
      onBoot: (b) => {
        machine = b.machine;
        halt = (reason) => {
          b.user.exitStatus ??= 0;
          b.machine.halt(reason);
        };
        if (host) {
          // Typed keys reach COM1 while the page is open: the machine waits for them.
          host.waiter.openSource();
          host.waiter.beforeWait = () => b.machine.uart.flush();
          for (const d of pendingInput.splice(0)) b.machine.uart.feed(d);
        }
      },
    }).then((o) => ended(o.status, o.result));
  };

  self.onmessage = (e) => {
    const m = e.data;
    try {
      switch (m.type) {
        case "boot":
          boot(m)?.catch(failed);
          break;
        case "input":
          if (!machine) pendingInput.push(m.data);
          else if (machine.waiter && machine.halted === null) {
            machine.uart.feed(m.data);
            machine.waiter.kick();
          }
          break;
        case "request":
          if (!sendRequest) {
            post({ type: "response", ok: false, message: "this image has no request panel" });
          } else sendRequest(m.method, m.path);
          break;
        case "halt":
          halt?.("halted from the page");
          break;
      }
    } catch (err) {
      failed(err);
    }
  };
  post({
    type: "ready",
    image: name,
    network: hasNetwork(image),
    world: isWorld(image),
    interactive: isInteractive(image),
  });
}

/** How long output may wait in the worker before it is sent (ms of the browser's clock). */
const BATCH_MS = 8;

/** How long a virtual-time world runs before the worker's event loop gets a turn (ms). */
export const SLICE_MS = 10;

/**
 * A world's `yieldToHost` in the worker: a turn of the event loop at the first idle and then
 * once `sliceMs` of the browser's clock have passed, so messages (Halt) and output batches
 * get through. A MessageChannel turn, not setTimeout, which browsers clamp to 4 ms when
 * nested. The machines never see the browser's clock: only when the run pauses depends on it.
 */
export function hostTurns(sliceMs: number): () => Promise<void> | null {
  const ch = new MessageChannel();
  let resume: (() => void) | null = null;
  ch.port1.onmessage = () => resume?.();
  let last = -Infinity;
  return () => {
    const now = performance.now();
    if (now - last < sliceMs) return null;
    return new Promise<void>((r) => {
      resume = () => {
        resume = null;
        last = performance.now();
        r();
      };
      ch.port2.postMessage(null);
    });
  };
}

/**
 * Gathers console bytes, pcap bytes (decoded into rows here, off the page's thread) and
 * trace text, and sends them as one "output" message at most every BATCH_MS: a busy
 * machine costs the page one message per batch, not one per line or frame.
 */
function outbox(send: (m: FromWorker) => void) {
  const consoleParts: Uint8Array[] = [], pcapParts: Uint8Array[] = [];
  let rows: PacketRow[] = [], trace = "";
  let last = performance.now();
  let timer: ReturnType<typeof setTimeout> | undefined;
  const parser = new PcapRows(MAX_ROWS);
  const join = (parts: Uint8Array[]) => {
    const b = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
    let off = 0;
    for (const p of parts) {
      b.set(p, off);
      off += p.length;
    }
    parts.length = 0;
    return b;
  };
  const flush = () => {
    clearTimeout(timer);
    timer = undefined;
    last = performance.now();
    if (!consoleParts.length && !pcapParts.length && !trace) return;
    const m: FromWorker = {
      type: "output",
      console: join(consoleParts),
      pcap: join(pcapParts),
      rows,
      frames: parser.count,
      trace,
    };
    rows = [];
    trace = "";
    send(m);
  };
  const added = () => {
    if (performance.now() - last >= BATCH_MS) flush();
    else timer ??= setTimeout(flush, BATCH_MS);
  };
  return {
    flush,
    console: (b: Uint8Array) => {
      consoleParts.push(b.slice());
      added();
    },
    pcap: (b: Uint8Array) => {
      pcapParts.push(b.slice());
      rows.push(...parser.push(b));
      added();
    },
    trace: (text: string) => {
      trace += text;
      added();
    },
  };
}

/** Splits a console byte stream into lines (without CR/LF) for `each`. */
function clientLines(each: (line: string) => void): (b: Uint8Array) => void {
  const dec = new TextDecoder();
  let pending = "";
  return (b) => {
    pending += dec.decode(b, { stream: true });
    let nl: number;
    while ((nl = pending.indexOf("\n")) >= 0) {
      each(pending.slice(0, nl).replace(/\r$/, ""));
      pending = pending.slice(nl + 1);
    }
  };
}
