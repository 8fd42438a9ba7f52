/**
 * console.ts — the host's side of COM1 for the command line: typed input into the UART
 * (`feedConsole`) and the guest's output onto stdout in batches (`batchedStdout`).
 *
 * Rules: input reaches a realtime machine only; while the input is open the machine waits
 * for it rather than ending as a deadlock; its end reaches the guest as ^D (VEOF). Output
 * order is kept: a batch is written when the machine next waits for the host (a microtask
 * runs only then) or once 64 KiB are held, and anything else this process prints runs in
 * a later task, after the flush. The UART's CRLF line ends reach stdout as LF when stdout
 * is not a terminal (a file or a pipe: `grep 'x$'` and `diff` work); traces and the wire
 * keep what the guest wrote.
 */
import type { Machine } from "../arch/machine.ts";

/**
 * Feeds host input into COM1 as it arrives (realtime mode): each chunk goes into the
 * UART's receive FIFO and wakes a halted CPU.
 */
export async function feedConsole(m: Machine, input: ReadableStream<Uint8Array>): Promise<void> {
  const w = m.waiter;
  if (!w) throw new Error("console input needs a realtime machine");
  w.openSource();
  try {
    for await (const chunk of input) {
      m.uart.feed(chunk);
      w.kick();
    }
    // The host's input ended: ^D (VEOF) tells the guest's console so (dev/com.ts), and a
    // reader sees end of file rather than waiting for ever.
    m.uart.feed(Uint8Array.of(0x04));
    w.kick();
  } finally {
    w.closeSource();
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
