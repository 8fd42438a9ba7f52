/**
 * httpd_wrk.ts — the httpd image through hostfwd against native Deno.serve, in one run on
 * one machine: requests per second for a small file with wrk (1 and 100 connections), and
 * the time from process start to httpd accepting beside `deno run` of an empty script,
 * and (on Linux) the CPU time each process spent per request at 100 connections (user +
 * system time from /proc over the wrk run, divided by the requests wrk counted).
 *
 *   deno run --allow-run --allow-net=127.0.0.1 --allow-read --allow-write=/tmp bench/httpd_wrk.ts
 *
 * Needs wrk (Debian: apt-get install -y wrk). Prints a Markdown table.
 */
import { cpuSeconds } from "./_host_proc.ts";

const ROOT = new URL("..", import.meta.url).pathname;
const DENO = Deno.execPath();
const DURATION = Deno.env.get("WRK_DURATION") ?? "5s";

/** Runs wrk; requests per second, and µs of `pid`'s CPU per request (null: not known). */
async function wrk(url: string, conns: number, pid: number): Promise<[number, number | null]> {
  const c0 = await cpuSeconds(pid);
  const out = await new Deno.Command("wrk", {
    args: ["-t", conns > 1 ? "4" : "1", "-c", String(conns), "-d", DURATION, url],
    stdout: "piped",
  }).output();
  const c1 = await cpuSeconds(pid);
  const text = new TextDecoder().decode(out.stdout);
  const m = /Requests\/sec:\s+([\d.]+)/.exec(text);
  const r = /(\d+) requests in/.exec(text);
  if (!m || !r) throw new Error(`wrk said:\n${text}`);
  const cpu = c0 === null || c1 === null ? null : (c1 - c0) * 1e6 / Number(r[1]);
  return [Number(m[1]), cpu];
}

async function waitFor(url: string): Promise<void> {
  for (;;) {
    try {
      const r = await fetch(url);
      await r.arrayBuffer();
      if (r.ok) return;
    } catch { /* not yet */ }
    await new Promise((r) => setTimeout(r, 1));
  }
}

/** Spawns `args`, returns ms until `ready` resolves (or the process exits), and the child. */
async function timeTo(args: string[], ready: (() => Promise<void>) | null) {
  const t0 = performance.now();
  const child = new Deno.Command(DENO, { args, cwd: ROOT, stdout: "null", stderr: "inherit" })
    .spawn();
  if (ready) await ready();
  else await child.status;
  return { ms: performance.now() - t0, child };
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

// Native: Deno.serve with the same bytes as the image's /hello.txt.
const { SITE } = await import("../images/httpd.ts");
const body = SITE["/hello.txt"];
const native = Deno.serve(
  { port: 0, hostname: "127.0.0.1", onListen() {} },
  () =>
    new Response(body as Uint8Array<ArrayBuffer>, { headers: { "content-type": "text/plain" } }),
);
const nativeUrl = `http://127.0.0.1:${native.addr.port}/hello.txt`;

// Boot to accepting, five times each; the last httpd boot is kept for wrk.
const PORT = 18080;
const simUrl = `http://127.0.0.1:${PORT}/hello.txt`;
const empty = await Deno.makeTempFile({ suffix: ".ts" });
const emptyMs: number[] = [], bootMs: number[] = [];
let sim: Deno.ChildProcess | null = null;
for (let i = 0; i < 5; i++) {
  emptyMs.push((await timeTo(["run", empty], null)).ms);
  const b = await timeTo(
    [
      "run",
      "--allow-read=.",
      "--allow-net=127.0.0.1",
      "main.ts",
      "--hostfwd",
      `tcp:127.0.0.1:${PORT}-:80`,
    ],
    () => waitFor(simUrl),
  );
  bootMs.push(b.ms);
  if (i < 4) {
    b.child.kill("SIGINT");
    await b.child.status;
  } else sim = b.child;
}

const rows: [string, ...[number, number | null], ...[number, number | null]][] = [];
for (const c of [1, 100]) {
  rows.push([
    `wrk -c ${c}`,
    ...await wrk(simUrl, c, sim!.pid),
    ...await wrk(nativeUrl, c, Deno.pid),
  ]);
}
sim!.kill("SIGINT");
const st = await sim!.status;
await native.shutdown();
await Deno.remove(empty);

const us = (x: number | null) => x === null ? "n/a" : x.toFixed(1);
console.log(
  `| load | rumpsim httpd via hostfwd (req/s) | Deno.serve (req/s) | ratio | CPU/request sim, native (µs) |`,
);
console.log(`| --- | ---: | ---: | ---: | ---: |`);
for (const [name, s, sc, n, nc] of rows) {
  console.log(
    `| ${name}, ${DURATION} | ${s.toFixed(0)} | ${n.toFixed(0)} | ${(100 * s / n).toFixed(1)}% | ${
      us(sc)
    }, ${us(nc)} |`,
  );
}
const eb = median(emptyMs), bb = median(bootMs);
console.log(`\n| start to | median of 5 (ms) |\n| --- | ---: |`);
console.log(`| \`deno run\` of an empty script exits | ${eb.toFixed(0)} |`);
console.log(`| httpd image answers its first request | ${bb.toFixed(0)} |`);
console.log(`| difference | ${(bb - eb).toFixed(0)} |`);
console.log(`\n(the simulated run exited with status ${st.code} after SIGINT)`);
