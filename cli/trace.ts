/**
 * trace.ts — the CLI's `--trace FILE`: the run's timeline (every fiber switch, wake,
 * idle period, event, interrupt and syscall; sched/trace.ts) streamed to FILE as Chrome
 * Trace Event Format JSON, which Perfetto (ui.perfetto.dev) and chrome://tracing open.
 *
 * Rules: the file is created (or truncated) before the run and written as the run goes,
 * so a long run does not hold its trace in memory; `close()` ends the JSON document and
 * the file, and is safe to call twice. In virtual time the same seed writes the same bytes.
 */
import { Tracer } from "../sched/mod.ts";

export interface TraceFile {
  tracer: Tracer;
  /** Ends the trace (open spans end at the clock's last time) and closes the file. */
  close(): void;
}

/** Opens `path` for writing and returns a tracer that streams into it. */
export function openTraceFile(path: string): TraceFile {
  const file = Deno.openSync(path, { write: true, create: true, truncate: true });
  const enc = new TextEncoder();
  const tracer = new Tracer((chunk) => {
    const bytes = enc.encode(chunk);
    for (let off = 0; off < bytes.length;) off += file.writeSync(bytes.subarray(off));
  });
  let open = true;
  return {
    tracer,
    close() {
      if (!open) return;
      open = false;
      try {
        tracer.close();
      } finally {
        file.close();
      }
    },
  };
}
