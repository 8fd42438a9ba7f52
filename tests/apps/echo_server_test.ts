import assert from "node:assert/strict";
import { echo_server } from "../../apps/echo_server.ts";
import { dial, readAll, scriptApp, sendText, udpExchange } from "./client_apps.ts";
import { runApps, runAppsOnTwo } from "./app_harness.ts";
import { SHUT_WR } from "../../kernel/syscall/api.ts";

Deno.test("echo_server: -u sends each datagram back to its sender, then exits after -n", () => {
  const out: { value?: string[] } = {};
  const client = scriptApp("client", (sys) => udpExchange(sys, "10.0.0.2", 7, ["one", "two"]), out);
  const run = runAppsOnTwo(
    [client, echo_server],
    function* (c) {
      yield* c.sleepMs(1);
      return yield* c.run(["client"]);
    },
    function* (c) {
      return yield* c.run(["echo_server", "-u", "-n", "2"]);
    },
  );
  assert.equal(run.valueB, 0);
  assert.equal(out.value!.length, 2);
  assert.match(out.value![0], /^10\.0\.0\.2:7 one$/);
  assert.match(out.value![1], /^10\.0\.0\.2:7 two$/);
});

Deno.test("echo_server: TCP echoes two clients at once and exits after both have gone", () => {
  const got: { value?: string[] } = {};
  const client = scriptApp("client", function* (sys) {
    const a = yield* dial(sys, "127.0.0.1", 7007);
    const b = yield* dial(sys, "127.0.0.1", 7007);
    yield* sendText(sys, a, "hello from a\n");
    yield* sendText(sys, b, "hello from b\n");
    yield* sendText(sys, a, "x".repeat(100_000));
    yield* sys.shutdown(a, SHUT_WR);
    yield* sys.shutdown(b, SHUT_WR);
    const ra = yield* readAll(sys, a);
    const rb = yield* readAll(sys, b);
    yield* sys.close(a);
    yield* sys.close(b);
    return [ra, rb];
  }, got);
  const run = runApps([client, echo_server], function* (c) {
    const server = c.start(["echo_server", "-n", "2", "7007"]);
    yield* c.sleepMs(1);
    const st = yield* c.run(["client"]);
    return [st, yield* c.runner.wait(server)];
  });
  assert.deepEqual(run.value, [0, 0]);
  assert.equal(got.value![0], "hello from a\n" + "x".repeat(100_000));
  assert.equal(got.value![1], "hello from b\n");
});

Deno.test("echo_server: a bad command line exits 64", () => {
  const run = runApps([echo_server], function* (c) {
    return [yield* c.run(["echo_server", "-z"]), yield* c.run(["echo_server", "99999"])];
  });
  assert.deepEqual(run.value, [64, 64]);
});
