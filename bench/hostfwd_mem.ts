/**
 * hostfwd_mem.ts — does memory come back after a load run through hostfwd? A guest kernel
 * and the user netdev's gateway kernel in this process (realtime, as main.ts runs them),
 * N host connections through hostfwd in waves of W at once (request, reply, close), then
 * the wait for the guest's TIME-WAITs (it closes first; 2·MSL, 60 s). Prints, for the start, the peak and
 * the end: both kernels' kmem in use, sockets and PCBs, the gateway's relays held, and
 * the host JS heap after full GCs (Deno.memoryUsage().heapUsed; RSS is shown too, but V8
 * keeps pages it no longer uses, so the heap is the figure that must come back).
 *
 *   deno run -A --v8-flags=--expose-gc bench/hostfwd_mem.ts [N, default 10000] [W, default 500]
 */
import { USER_NET } from "../slirp/plan.ts";
import type { Kernel } from "../kernel/kern/kernel.ts";
import { createGateway } from "../slirp/gateway.ts";
import { netstack } from "../net/netstack.ts";
import { AF_INET, SO_REUSEADDR, SOCK_STREAM, SOL_SOCKET } from "../kernel/syscall/api.ts";
import { guestOnCable } from "../tests/slirp/guest_rig.ts";
import { sysent } from "../kernel/syscall/systab.ts";

const N = Number(Deno.args[0] ?? 10000);
const W = Number(Deno.args[1] ?? 500);
if (!(N > 0) || !(W > 0)) {
  console.error("hostfwd_mem: usage: hostfwd_mem.ts [connections] [at once]");
  Deno.exit(2);
}
const gc = (globalThis as { gc?: () => void }).gc;
if (!gc) {
  console.error("hostfwd_mem: run with --v8-flags=--expose-gc");
  Deno.exit(2);
}
const PROC = { pid: 1, name: "guest", cwd: null, umask: 0o22 };
const MiB = (b: number) => (b / 1048576).toFixed(1);

const { p, guest, cable } = guestOnCable();
const gw = createGateway({
  sched: p.sched,
  host: p.host!,
  port: cable.gateway,
  plan: USER_NET,
  hostfwd: [{
    proto: "tcp",
    hostAddr: "127.0.0.1",
    hostPort: 0,
    guestAddr: "10.0.2.15",
    guestPort: 80,
  }],
});
const net = sysent(guest).net!;
const l = net.socket(PROC, AF_INET, SOCK_STREAM, 0);
net.setsockopt(l, SOL_SOCKET, SO_REUSEADDR, 1);
net.bind(l, { addr: "0.0.0.0", port: 80 });
net.listen(l, 1024);
const reply = new TextEncoder().encode("HTTP/1.0 200 OK\r\ncontent-length: 2\r\n\r\nok");
guest.threadCreate("srv", function* () {
  for (;;) {
    const { file } = yield* net.accept(l);
    guest.threadCreate("conn", function* () {
      const b = new Uint8Array(512);
      yield* net.recvfrom(file, b, 0);
      yield* net.sendto(file, reply, 0, null); // then closes first (HTTP/1.0)
      yield* file.ops.close(file);
    });
  }
});
const run = p.sched.run();

function census(k: Kernel) {
  const s = netstack(k);
  return `kmem ${k.kmem.inUse} B, sockets ${s.sockets}, PCBs ${s.tcp!.table.pcbs.size}`;
}
function line(what: string) {
  for (let i = 0; i < 5; i++) gc!();
  const m = Deno.memoryUsage();
  console.log(
    `| ${what} | ${census(guest)} | ${census(gw.kernel)}; relays held ${
      gw.relay.accepted - gw.relay.closed
    } | ${MiB(m.heapUsed)} MiB | ${MiB(m.rss)} MiB |`,
  );
}

const port = gw.listeners[0].addr.port;
const req = new TextEncoder().encode("GET / HTTP/1.0\r\n\r\n");
await new Promise((r) => setTimeout(r, 200));
console.log(`| ${N} connections through hostfwd, ${W} at once | guest | gateway | JS heap | RSS |`);
console.log("| --- | --- | --- | ---: | ---: |");
line("start");
let failed = 0;
// Two rounds: the first also compiles and warms up every code path (V8's code and
// feedback live on the heap), so the second round's end against the first's is the
// figure for "memory comes back after a load run".
for (const round of [1, 2]) {
  const t0 = performance.now();
  for (let done = 0; done < N; done += W) {
    const wave = Array.from({ length: Math.min(W, N - done) }, async () => {
      try {
        const c = await Deno.connect({ hostname: "127.0.0.1", port });
        await c.write(req);
        const b = new Uint8Array(512);
        while ((await c.read(b)) !== null) { /* to the guest's FIN */ }
        c.close();
      } catch {
        failed++;
      }
    });
    await Promise.all(wave);
  }
  const secs = (performance.now() - t0) / 1000;
  line(`round ${round}: after the last close`);
  for (let i = 0; i < 100 && gw.relay.closed < gw.relay.accepted; i++) {
    await new Promise((r) => setTimeout(r, 50));
  }
  console.log(`(round ${round}: ${N} connections in ${secs.toFixed(1)} s, ${failed} failed)`);
  await new Promise((r) => setTimeout(r, 62_000));
  line(`round ${round}: after 2·MSL`);
}
gw.close();
p.host!.post(() => p.sched.halt("bench over"));
await run;
