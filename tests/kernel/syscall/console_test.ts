import assert from "node:assert/strict";
import { EAGAIN, isErrno } from "../../../kernel/kern/errno.ts";
import { CLOCK_MONOTONIC, F_SETFL, O_NONBLOCK } from "../../../kernel/syscall/api.ts";
import type { HostedPlatform } from "../../../platform/hosted/platform.ts";
import { runSys } from "./harness.ts";

const enc = new TextEncoder();
const dec = new TextDecoder();

Deno.test("console: what an app writes on fds 1 and 2 reaches the console, not the msgbuf", () => {
  const run = runSys(function* (sys) {
    assert.equal(yield* sys.write(1, enc.encode("out\n")), 4);
    yield* sys.write(2, enc.encode("err\n"));
  });
  assert.equal(run.console, "out\nerr\n");
  assert.ok(!run.kernel.msgbuf.text().includes("out"));
});

Deno.test("console: a character split across two writes prints whole", () => {
  const run = runSys(function* (sys) {
    const b = enc.encode("é!");
    yield* sys.write(1, b.subarray(0, 1));
    yield* sys.write(1, b.subarray(1));
  });
  assert.equal(run.console, "é!");
});

Deno.test("console: a cut character followed by ASCII prints a replacement, then the ASCII as sent", () => {
  const run = runSys(function* (sys) {
    const b = enc.encode("é");
    yield* sys.write(1, b.subarray(0, 1));
    yield* sys.write(1, enc.encode("ok\n"));
    yield* sys.write(1, enc.encode("plain\n"));
  });
  assert.equal(run.console, "\ufffdok\nplain\n");
});

Deno.test("console: a read waits for input and returns what is queued, up to the buffer", () => {
  const { value } = runSys(function* (sys, _p, k) {
    k.callout("in", () => k.consoleInput(enc.encode("hello\n"))).schedule(5e6);
    const b = new Uint8Array(4);
    const n1 = yield* sys.read(0, b);
    const t = sys.clock_gettime(CLOCK_MONOTONIC);
    const first = dec.decode(b.subarray(0, n1));
    const n2 = yield* sys.read(0, b);
    return { first, rest: dec.decode(b.subarray(0, n2)), at: t.nsec };
  });
  assert.deepEqual(value, { first: "hell", rest: "o\n", at: 5e6 });
});

Deno.test("console: after the input ends, reads return 0", () => {
  const { value } = runSys(function* (sys, _p, k) {
    k.consoleInput(enc.encode("ab"));
    k.consoleInput(null);
    const b = new Uint8Array(8);
    return [yield* sys.read(0, b), yield* sys.read(0, b)];
  });
  assert.deepEqual(value, [2, 0]);
});

Deno.test("console: a non-blocking read with nothing queued is EAGAIN", () => {
  runSys(function* (sys, _p, k) {
    sys.fcntl(0, F_SETFL, O_NONBLOCK);
    try {
      yield* sys.read(0, new Uint8Array(1));
      assert.fail("expected EAGAIN");
    } catch (e) {
      assert.ok(isErrno(e, EAGAIN));
    }
    k.consoleInput(enc.encode("y"));
    assert.equal(yield* sys.read(0, new Uint8Array(1)), 1);
  });
});

Deno.test("console: input fed from a host event, outside any thread, wakes a waiting reader", () => {
  const { value } = runSys(function* (sys, _p, k) {
    const plat = k.platform as HostedPlatform;
    plat.sched.events.at(7e6, () => k.consoleInput(enc.encode("key")));
    const b = new Uint8Array(8);
    const n = yield* sys.read(0, b);
    return [dec.decode(b.subarray(0, n)), sys.clock_gettime(CLOCK_MONOTONIC).nsec];
  });
  assert.deepEqual(value, ["key", 7e6]);
});
