/**
 * sysproxy_rtt.ts — what a remote system call costs: the round trip of getpid over a unix
 * socket and over TCP loopback, against the same call made inside the image; and the
 * throughput of a remote cat (read calls of 64 KiB over the unix socket) of an 8 MiB file,
 * and of `ctl cat FILE` end to end (a subprocess, its output to /dev/null).
 *
 *   deno run -A bench/sysproxy_rtt.ts [--calls N]
 *
 * The server is the `server` image booted in this process (realtime, as --sysproxy does);
 * the client side here is a plain async loop of CALL and RESULT frames (_sysproxy_client.ts:
 * what ctl's main thread does for its worker, without the worker's Atomics hop). Prints
 * one table.
 */
import { startServer } from "../tests/sysproxy/harness.ts";
import { OutBuf } from "../sysproxy/protocol.ts";
import { type BenchClient, sysproxyClient as client } from "./_sysproxy_client.ts";
import { makeSys } from "../kernel/syscall/sys.ts";
import { Proc } from "../kernel/syscall/proc.ts";
import { CTL } from "../tests/sysproxy/harness.ts";

const calls = Number(Deno.args[Deno.args.indexOf("--calls") + 1]) || 5000;

async function rtt(c: BenchClient): Promise<number> {
  for (let i = 0; i < 200; i++) await c.call("getpid", []); // warm up
  const t0 = performance.now();
  for (let i = 0; i < calls; i++) await c.call("getpid", []);
  return ((performance.now() - t0) * 1000) / calls; // µs per call
}

const path = `/tmp/rumpsim-bench-${Deno.pid}.sock`;
const s = await startServer(`unix:${path}`);
const t = await startServer("tcp:0");
const rows: [string, string][] = [];
try {
  // Inside: the same getpid on a process's Sys, no wire.
  const sys = makeSys(s.booted.kernel, new Proc(1, "bench", null, [], {}), null);
  const n = 1_000_000;
  let t0 = performance.now();
  for (let i = 0; i < n; i++) sys.getpid();
  rows.push(["getpid inside the image", `${(((performance.now() - t0) * 1e6) / n).toFixed(1)} ns`]);

  const u = await client(await Deno.connect({ transport: "unix", path }));
  rows.push(["getpid over unix:", `${(await rtt(u)).toFixed(1)} µs`]);
  const port = Number(t.listener.url.split(":").pop());
  const token = Deno.readTextFileSync(t.listener.tokenFile!).trim();
  const tc = await client(await Deno.connect({ hostname: "127.0.0.1", port }), token);
  rows.push(["getpid over tcp:127.0.0.1", `${(await rtt(tc)).toFixed(1)} µs`]);

  // An 8 MiB file, written remotely, then read back 64 KiB at a time.
  const size = 8 << 20;
  const chunk = new Uint8Array(1 << 20).map((_, i) => i & 0xff);
  const fd = (await u.call("open", ["/big", 0x601, 0o644])).value as number;
  for (let off = 0; off < size; off += chunk.length) await u.call("write", [fd, chunk]);
  await u.call("close", [fd]);
  const rfd = (await u.call("open", ["/big", 0])).value as number;
  t0 = performance.now();
  let got = 0;
  for (;;) {
    const r = await u.call("read", [rfd, new OutBuf(65536)]);
    if (r.value === 0) break;
    got += r.value as number;
  }
  const sec = (performance.now() - t0) / 1000;
  rows.push(["remote read of 8 MiB, 64 KiB calls (unix)", `${(got / sec / 1e6).toFixed(0)} MB/s`]);

  // ctl cat end to end: a subprocess (Deno start-up included), output to /dev/null.
  t0 = performance.now();
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", CTL, "--server", `unix:${path}`, "cat", "/big"],
    stdout: "null",
    stderr: "inherit",
  }).output();
  const ctlSec = (performance.now() - t0) / 1000;
  if (out.code !== 0) throw new Error("ctl cat failed");
  t0 = performance.now();
  await new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", CTL, "--server", `unix:${path}`, "sh", "-c", ":"],
    stdout: "null",
  }).output();
  const startSec = (performance.now() - t0) / 1000;
  rows.push([
    "ctl cat of 8 MiB (unix), minus ctl's start-up",
    `${(size / Math.max(1e-3, ctlSec - startSec) / 1e6).toFixed(0)} MB/s (${
      (ctlSec * 1000).toFixed(0)
    } ms, start-up ${(startSec * 1000).toFixed(0)} ms)`,
  ]);
} finally {
  await s.stop();
  await t.stop();
}
console.log(`calls per round-trip figure: ${calls}`);
for (const [k, v] of rows) console.log(`${k.padEnd(48)} ${v}`);
