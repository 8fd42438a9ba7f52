/**
 * httpd_load.ts — the default httpd image through hostfwd against Deno.serve (in its own
 * process), in one run on one machine:
 *   - keep-alive load at 1, 100 and 1,000 connections from a client in this process that
 *     counts the responses of every connection (so "every connection served" is checked,
 *     not inferred): requests/s, and the fewest and most responses one connection got;
 *   - requests/s without keep-alive over three back-to-back runs (ab, one connection per
 *     request), which must hold its rate (the TIME-WAIT reuse case);
 *   - the simulator's RSS before, at the peak and after the runs (Linux /proc).
 *
 *   deno run -A bench/httpd_load.ts [seconds per run, default 5] [--conns 1,100,1000] [--no-ab]
 *
 * --idle N (default 1000): before the load, N connections that never send a byte are
 * opened to each server and a plain request is timed while they stay open.
 * --conns: the keep-alive connection counts (e.g. 1000,10000; the client and the simulator
 * each need that many host descriptors: ulimit -n). --no-ab: skip the no-keep-alive runs.
 *
 * Needs ab (Debian: apt-get install -y apache2-utils) for the no-keep-alive runs.
 */
import { parseArgs } from "node:util";
import { ab as abRun, rssMiB, spawnNativeHello, waitFor } from "./_host_proc.ts";

const ROOT = new URL("..", import.meta.url).pathname;
const DENO = Deno.execPath();
const { values: opts, positionals } = parseArgs({
  args: Deno.args,
  allowPositionals: true,
  options: {
    conns: { type: "string", default: "1,100,1000" },
    "no-ab": { type: "boolean" },
    idle: { type: "string", default: "1000" },
  },
});
const SECS = Number(positionals[0] ?? 5);
const CONNS = opts.conns!.split(",").map(Number);
const IDLE = Number(opts.idle);
if (!(SECS > 0) || CONNS.some((c) => !Number.isInteger(c) || c < 1)) {
  console.error("httpd_load: usage: httpd_load.ts [seconds] [--conns 1,100,1000] [--no-ab]");
  Deno.exit(2);
}
const SIM_PORT = 18081;
const NATIVE_PORT = 18082;

const enc = new TextEncoder();
const REQ = enc.encode("GET /hello.txt HTTP/1.1\r\nHost: bench\r\n\r\n");

let told503 = 0;

/** One keep-alive connection requesting in a loop until `end`; its 200 responses. */
async function oneConn(port: number, end: number): Promise<number> {
  let conn: Deno.TcpConn;
  try {
    conn = await Deno.connect({ hostname: "127.0.0.1", port });
  } catch {
    return 0;
  }
  // A connection still waiting 30 s after the run ends is given up (counted as served
  // only for the responses it got), so a lost handshake cannot hang the bench.
  const giveUp = setTimeout(() => {
    try {
      conn.close();
    } catch { /* closed */ }
  }, end - performance.now() + 30_000);
  const buf = new Uint8Array(65536);
  let got = 0;
  let pending = new Uint8Array(0);
  try {
    while (performance.now() < end) {
      await conn.write(REQ);
      // Read one whole response: head to CRLF CRLF, then Content-Length bytes.
      for (;;) {
        const s = new TextDecoder("latin1").decode(pending);
        const h = s.indexOf("\r\n\r\n");
        if (h >= 0) {
          const m = /content-length:\s*(\d+)/i.exec(s.slice(0, h));
          const need = h + 4 + (m ? Number(m[1]) : 0);
          if (pending.length >= need) {
            if (!s.startsWith("HTTP/1.1 200")) { // a 503: told to come back
              if (s.startsWith("HTTP/1.1 503")) told503++;
              return got;
            }
            pending = pending.slice(need);
            break;
          }
        }
        const n = await conn.read(buf);
        if (n === null) return got;
        const next = new Uint8Array(pending.length + n);
        next.set(pending);
        next.set(buf.subarray(0, n), pending.length);
        pending = next;
      }
      got++;
    }
  } catch {
    return got;
  } finally {
    clearTimeout(giveUp);
    try {
      conn.close();
    } catch { /* closed */ }
  }
  return got;
}

async function load(port: number, conns: number) {
  told503 = 0;
  const end = performance.now() + SECS * 1000;
  const counts = await Promise.all(Array.from({ length: conns }, () => oneConn(port, end)));
  const total = counts.reduce((a, b) => a + b, 0);
  return {
    rps: total / SECS,
    min: Math.min(...counts),
    max: Math.max(...counts),
    unserved: counts.filter((c) => c === 0).length,
    told503,
  };
}

try {
  if (!opts["no-ab"]) {
    await new Deno.Command("ab", { args: ["-V"], stdout: "null", stderr: "null" }).output();
  }
} catch {
  console.error("httpd_load: needs ab (Debian: apt-get install -y apache2-utils)");
  Deno.exit(1);
}

const sim = new Deno.Command(DENO, {
  args: ["run", "-A", "main.ts", "--hostfwd", `tcp:127.0.0.1:${SIM_PORT}-:80`],
  cwd: ROOT,
  stdout: "null",
  stderr: "inherit",
}).spawn();
const native = await spawnNativeHello(NATIVE_PORT);
const simUrl = `http://127.0.0.1:${SIM_PORT}/hello.txt`;
const nativeUrl = `http://127.0.0.1:${NATIVE_PORT}/hello.txt`;
await waitFor(simUrl);
await waitFor(nativeUrl);

const rss: Record<string, number | null> = { boot: await rssMiB(sim.pid) };
let peak = 0;
const sampler = setInterval(async () => {
  peak = Math.max(peak, (await rssMiB(sim.pid)) ?? 0);
}, 100);

/** N silent connections held open while one plain request is timed. */
async function idlePlusOne(port: number, url: string): Promise<string> {
  const idle: Deno.Conn[] = [];
  for (let i = 0; i < IDLE; i++) idle.push(await Deno.connect({ hostname: "127.0.0.1", port }));
  await new Promise((r) => setTimeout(r, 500));
  const t0 = performance.now();
  let out: string;
  try {
    const r = await fetch(url, { signal: AbortSignal.timeout(20_000) });
    await r.arrayBuffer();
    out = `${r.status} in ${(performance.now() - t0).toFixed(0)} ms`;
  } catch {
    out = "no answer in 20 s";
  }
  for (const c of idle) c.close();
  return out;
}

if (IDLE > 0) {
  console.log(
    `${IDLE} idle connections plus a request: rumpsim ${await idlePlusOne(
      SIM_PORT,
      simUrl,
    )}; Deno.serve ${await idlePlusOne(NATIVE_PORT, nativeUrl)}\n`,
  );
}

console.log(
  `| keep-alive load, ${SECS} s | sim req/s | sim per-connection min–max (unserved; of them told 503) | Deno.serve req/s | native min–max (unserved) | ratio |`,
);
console.log(`| --- | ---: | ---: | ---: | ---: | ---: |`);
for (const c of CONNS) {
  const s = await load(SIM_PORT, c);
  const n = await load(NATIVE_PORT, c);
  console.log(
    `| ${c} connection${c > 1 ? "s" : ""} | ${
      s.rps.toFixed(0)
    } | ${s.min}–${s.max} (${s.unserved}; ${s.told503}) | ${
      n.rps.toFixed(0)
    } | ${n.min}–${n.max} (${n.unserved}) | ${(100 * s.rps / n.rps).toFixed(1)}% |`,
  );
}
if (!opts["no-ab"]) {
  console.log(`\n| no keep-alive, ab -c 10, ${SECS} s | run 1 | run 2 | run 3 |`);
  console.log(`| --- | ---: | ---: | ---: |`);
  const ab = async (url: string) => (await abRun(url, { conns: 10, secs: SECS })).rps;
  const simAb = [await ab(simUrl), await ab(simUrl), await ab(simUrl)];
  const natAb = [await ab(nativeUrl), await ab(nativeUrl), await ab(nativeUrl)];
  console.log(
    `| rumpsim httpd via hostfwd (req/s) | ${simAb.map((x) => x.toFixed(0)).join(" | ")} |`,
  );
  console.log(`| Deno.serve (req/s) | ${natAb.map((x) => x.toFixed(0)).join(" | ")} |`);
}
clearInterval(sampler);
rss.peak = peak;
await new Promise((r) => setTimeout(r, 3000));
rss.after = await rssMiB(sim.pid);
console.log(
  `\nsimulator RSS (MiB): boot ${rss.boot}, peak ${rss.peak}, 3 s after the last run ${rss.after}`,
);
sim.kill("SIGINT");
native.kill("SIGTERM");
await sim.status;
await native.status;
