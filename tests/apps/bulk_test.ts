import assert from "node:assert/strict";
import { bulk, formatTransfer } from "../../apps/bulk.ts";
import { checkPattern, fillPattern, patternByte } from "../../apps/lib/pattern.ts";
import { runApps, runAppsOnTwo } from "./app_harness.ts";

Deno.test("bulk: the pattern depends on the offset and shows a shift by 256", () => {
  const b = new Uint8Array(1024);
  fillPattern(b, 1000);
  assert.equal(checkPattern(b, 1000), -1);
  assert.notEqual(checkPattern(b, 1256), -1);
  assert.equal(checkPattern(b.subarray(10), 1010), -1);
  b[500] ^= 1;
  assert.equal(checkPattern(b, 1000), 500);
  assert.notEqual(patternByte(0), patternByte(256));
});

Deno.test("bulk: the report gives bytes, virtual seconds and Mbit/s", () => {
  assert.equal(
    formatTransfer("sent", 1_000_000, 1e9),
    "sent 1000000 bytes in 1.000000 s (8.000 Mbit/s)",
  );
  assert.equal(formatTransfer("received", 0, 0), "received 0 bytes in 0.000000 s (-)");
});

Deno.test("bulk: a megabyte crosses the wire intact and both sides report it", () => {
  const run = runAppsOnTwo(
    [bulk],
    function* (c, pair) {
      pair.wire.latencyNs = 100_000;
      yield* c.sleepMs(1);
      return yield* c.run(["bulk", "send", "10.0.0.2", "5001", "1048576"]);
    },
    function* (c) {
      return yield* c.run(["bulk", "recv", "5001"]);
    },
  );
  assert.equal(run.valueA, 0);
  assert.equal(run.valueB, 0);
  assert.match(run.consoleA, /^bulk: sent 1048576 bytes in \d+\.\d{6} s \(\d+\.\d{3} Mbit\/s\)\n$/);
  assert.match(
    run.consoleB,
    /^bulk: received 1048576 bytes in \d+\.\d{6} s \(\d+\.\d{3} Mbit\/s\)\n$/,
  );
});

Deno.test("bulk: a bad command line exits 64", () => {
  const run = runApps([bulk], function* (c) {
    return [yield* c.run(["bulk"]), yield* c.run(["bulk", "send", "1.2.3.4", "x", "5"])];
  });
  assert.deepEqual(run.value, [64, 64]);
});
