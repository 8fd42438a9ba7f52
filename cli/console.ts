/**
 * console.ts — the host's side of COM1 for the command line: typed input into the UART
 * (`feedConsole`) and the guest's output onto stdout in batches (`batchedStdout`).
 *
 * Rules: input reaches a realtime machine only; while the input is open the machine waits
 * for it rather than ending as a deadlock. Output order is kept: a batch is written when
 * the machine next waits for the host (a microtask runs only then) or once 64 KiB are held,
 * and anything else this process prints runs in a later task, after the flush.
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
  } finally {
    w.closeSource();
  }
}

/**
 * stdout for a realtime machine: console bytes (the UART hands them over a line at a time)
 * are gathered and written in one host write per batch instead of one per line (httpd's
 * access log is a line per request).
 */
export function batchedStdout(): { write: (b: Uint8Array) => void; flush: () => void } {
  let buf = new Uint8Array(4096);
  let len = 0;
  let queued = false;
  const flush = () => {
    queued = false;
    for (let off = 0; off < len;) off += Deno.stdout.writeSync(buf.subarray(off, len));
    len = 0;
  };
  const write = (b: Uint8Array) => {
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
