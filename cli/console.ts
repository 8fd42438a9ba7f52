/**
 * console.ts — the host's side of COM1 for the command line: typed input into the UART
 * (`feedConsole`) and the guest's output onto stdout in batches (`batchedStdout`).
 *
 * Rules: input reaches a realtime machine only, through its host work (the event loop's
 * context, where a recording logs it); while the input is open the machine waits for it
 * rather than ending as a deadlock; its end reaches the guest as ^D (VEOF). Output
 * order is kept: a batch is written when the machine next waits for the host (a microtask
 * runs only then) or once 64 KiB are held, and anything else this process prints runs in
 * a later task, after the flush. The UART's CRLF line ends reach stdout as LF when stdout
 * is not a terminal (a file or a pipe: `grep 'x$'` and `diff` work); traces and the wire
 * keep what the guest wrote.
 */
import type { Machine } from "../arch/machine.ts";
import { hostIdle, machineHostWork } from "../platform/hw/host_idle.ts";

/** ^D: the input's end, as the guest's console sees it (VEOF, dev/com.ts). */
const VEOF = 0x04;

/**
 * The machine's console input (realtime mode): the idle policy that runs host work, and an
 * open host source until `end`. `chunk` and `end` run in the event loop's context (a
 * posted function): what a recording logs and a replay calls at the same place.
 */
export interface ConsoleInput {
  /** Typed bytes into the UART's receive FIFO. */
  chunk(b: Uint8Array): void;
  /** The input ended: ^D reaches the guest, and the machine no longer waits for input. */
  end(): void;
}

/** Opens `m`'s console input (realtime mode). */
export function openConsoleInput(m: Machine): ConsoleInput {
  const work = machineHostWork(m);
  m.sched.idle = hostIdle(m, work);
  work.openSource();
  let ended = false;
  return {
    chunk: (b) => m.uart.feed(b),
    end() {
      if (ended) return;
      ended = true;
      // A reader sees end of file rather than waiting for ever.
      m.uart.feed(Uint8Array.of(VEOF));
      work.closeSource();
    },
  };
}

/**
 * Feeds host input into COM1 as it arrives (realtime mode): each chunk is posted to the
 * machine's host work, which puts it in the UART's receive FIFO (waking a halted CPU);
 * the input's end reaches the guest as ^D. `wrap` lets a recording log each call.
 */
export async function feedConsole(
  m: Machine,
  input: ReadableStream<Uint8Array>,
  wrap: (c: ConsoleInput) => ConsoleInput = (c) => c,
): Promise<void> {
  const con = wrap(openConsoleInput(m));
  const work = machineHostWork(m);
  try {
    for await (const chunk of input) work.post(() => con.chunk(chunk));
  } finally {
    work.post(() => con.end());
  }
}

/**
 * stdout for a realtime machine: console bytes (the UART hands them over a line at a time)
 * are gathered and written in one host write per batch instead of one per line (httpd's
 * access log is a line per request).
 */
export function batchedStdout(
  lf: boolean = !Deno.stdout.isTerminal(),
): { write: (b: Uint8Array) => void; flush: () => void } {
  const convert = lf ? crlfToLf() : (b: Uint8Array) => b;
  let buf = new Uint8Array(4096);
  let len = 0;
  let queued = false;
  const flush = () => {
    queued = false;
    writeAll(buf.subarray(0, len));
    len = 0;
  };
  const write = (raw: Uint8Array) => {
    const b = convert(raw);
    if (len + b.length > buf.length) {
      const grown = new Uint8Array(Math.max(2 * buf.length, len + b.length));
      grown.set(buf.subarray(0, len));
      buf = grown;
    }
    buf.set(b, len);
    len += b.length;
    if (len >= 64 * 1024) flush();
    else if (!queued) {
      queued = true;
      queueMicrotask(flush);
    }
  };
  return { write, flush };
}

/**
 * A converter of CRLF to LF over a stream of chunks: a CR that ends a chunk is held until
 * the next chunk shows whether an LF follows it. A lone CR passes through.
 */
export function crlfToLf(): (b: Uint8Array) => Uint8Array {
  let heldCr = false;
  return (b) => {
    const out = new Uint8Array(b.length + 1);
    let n = 0;
    if (heldCr && b.length > 0 && b[0] !== 0x0a) out[n++] = 0x0d;
    if (b.length > 0) heldCr = false;
    for (let i = 0; i < b.length; i++) {
      if (b[i] === 0x0d) {
        if (i + 1 === b.length) {
          heldCr = true;
          break;
        }
        if (b[i + 1] === 0x0a) continue;
      }
      out[n++] = b[i];
    }
    return out.subarray(0, n);
  };
}

let stdoutGone = false;

/**
 * Writes all of `b` to stdout; once the reader has gone (`| head` closed the pipe) the rest
 * of the run's output is dropped rather than thrown.
 */
export function writeAll(b: Uint8Array): void {
  if (stdoutGone) return;
  try {
    for (let off = 0; off < b.length;) off += Deno.stdout.writeSync(b.subarray(off));
  } catch (e) {
    if (!(e instanceof Deno.errors.BrokenPipe)) throw e;
    stdoutGone = true;
  }
}
