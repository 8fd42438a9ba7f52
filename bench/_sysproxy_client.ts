/**
 * _sysproxy_client.ts — a bare sysproxy client for benchmarks: HELLO, then one CALL at a
 * time over an open connection, each awaited (sysproxy/protocol.ts's frames, without
 * ctl's worker and its Atomics hop). sysproxy_rtt.ts times calls with it; load_cases.ts
 * reads a booted image's counters with it (`sysctl`).
 *
 * Rules: a helper, not a benchmark (run_all.ts skips files whose names start with "_");
 * a refused HELLO, a closed connection or a failed call throws an Error naming it.
 */
import {
  emitFrame,
  FrameDecoder,
  FrameType,
  parseFrame,
  type Result,
  SYSPROXY_VERSION,
  type Value,
} from "../sysproxy/protocol.ts";

export interface BenchClient {
  /** The remote process's pid. */
  pid: number;
  /** Runs `name` remotely; its RESULT frame (throws when the call failed). */
  call(name: string, args: Value[]): Promise<Result>;
  /** The value of sysctl node `name`. */
  sysctl(name: string): Promise<Value>;
  close(): void;
}

/** Says HELLO on `conn` (with the TCP server's `token`) and returns the client. */
export async function sysproxyClient(conn: Deno.Conn, token = ""): Promise<BenchClient> {
  const dec = new FrameDecoder();
  const buf = new Uint8Array(1 << 20);
  const next = async () => {
    for (;;) {
      const f = dec.next();
      if (f) return parseFrame(f);
      const n = await conn.read(buf);
      if (n === null) throw new Error("sysproxy: the server closed the connection");
      dec.push(buf.subarray(0, n));
    }
  };
  await conn.write(
    emitFrame({ type: FrameType.HELLO, version: SYSPROXY_VERSION, token, progname: "bench" }),
  );
  const w = await next();
  if (w.type !== FrameType.WELCOME) throw new Error("sysproxy: the server refused the client");
  let reqid = 1;
  const call = async (name: string, args: Value[]): Promise<Result> => {
    const b = emitFrame({ type: FrameType.CALL, reqid: reqid++, pid: w.pid, name, args });
    for (let off = 0; off < b.length;) off += await conn.write(b.subarray(off));
    const r = await next();
    if (r.type !== FrameType.RESULT || r.errno) throw new Error(`sysproxy: ${name} failed`);
    return r;
  };
  return {
    pid: w.pid,
    call,
    sysctl: async (name) => (await call("sysctl", [name])).value,
    close: () => {
      try {
        conn.close();
      } catch { /* closed */ }
    },
  };
}
