/**
 * rumprun/run.ts's realtime contract: rumprun/ imports nothing of host/, so a realtime run
 * is handed its host's clock and waiter by the caller, and refuses to start without them.
 */
import assert from "node:assert/strict";
import { image as hello } from "../../images/hello.ts";
import { hostRealtime } from "../../host/realtime.ts";
import { runImage } from "../../rumprun/run.ts";

Deno.test("runImage: a realtime run without `host` is refused with a clear message", async () => {
  await assert.rejects(
    runImage(hello, { mode: "realtime", seed: 1 }),
    (e: unknown) =>
      e instanceof TypeError &&
      e.message ===
        "runImage: a realtime run needs its host's clock and waiter: pass `host` " +
          "(hostRealtime() from host/realtime.ts on Deno)",
  );
});

Deno.test("runImage: a realtime run on the host the caller passes boots and exits 0", async () => {
  let out = "";
  const dec = new TextDecoder();
  const host = hostRealtime();
  const r = await runImage(hello, {
    mode: "realtime",
    host,
    seed: 1,
    console: (b) => (out += dec.decode(b, { stream: true })),
  });
  assert.equal(r.status, 0, out);
  assert.match(out, /Hello, world!/);
  assert.equal(r.machine.mode, "realtime");
  assert.equal(r.machine.sched.clock, host.clock, "the run keeps the caller's clock");
});
