import assert from "node:assert/strict";
import hello from "../../apps/hello.ts";
import { AppRunner } from "../../kernel/syscall/exec.ts";
import { runInKernel } from "../support/kernel.ts";

function runHello(argv: string[]) {
  return runInKernel(function* (k) {
    const r = new AppRunner(k, [hello]);
    return yield* r.runAll([{ name: "hello", argv }]);
  });
}

Deno.test("hello: greets, tells the virtual time, sleeps exactly 1 s and exits 0", () => {
  const run = runHello(["hello"]);
  assert.equal(run.value, 0);
  assert.equal(
    run.console,
    "Hello, world!\nThe time is 2024-01-01T00:00:00.000Z.\nSlept 1.000000000 s.\n",
  );
});

Deno.test("hello: prints its arguments and carries --exit N to its exit status", () => {
  const run = runHello(["hello", "from", "rumpsim", "--exit", "7"]);
  assert.equal(run.value, 7);
  assert.match(run.console, /^Hello, world! from rumpsim\n/);
});

Deno.test("hello: the same run prints the same bytes", () => {
  assert.equal(runHello(["hello", "x"]).console, runHello(["hello", "x"]).console);
});
