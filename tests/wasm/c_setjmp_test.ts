/**
 * c_setjmp_test.ts — setjmp and longjmp really jump in a C program (tests/wasm/c/jumps.c,
 * wasm/asyncify.ts, wasm/libc/setjmp.c): nested, out of a deep recursion with the shadow
 * stack put back, 0 turned into 1, across blocking calls (which still block after), the
 * error-recovery pattern, sigsetjmp and _setjmp; a longjmp that cannot be done (the
 * function of its setjmp has returned, or setjmp never filled the buffer) ends only the
 * program, with a line and 128+6.
 */
import assert from "node:assert/strict";
import { LONGJMP_STATUS } from "../../wasm/loader.ts";
import { bootPosix, programC, results } from "./support.ts";

Deno.test("C jumps.c: setjmp/longjmp nested, out of a deep recursion, across blocking calls, error recovery", async () => {
  const r = await bootPosix(await programC("jumps"));
  assert.deepEqual(results(r.console), [
    "ok nested",
    "ok deep recursion, stack pointer back",
    "ok longjmp(env, 0) returns 1",
    // Three 100 ms sleeps of virtual time: two before the jump, one after it.
    "ok across blocking calls: 0.300 s",
    "ok error recovery: 3 good, 2 bad",
    "ok sigsetjmp, _setjmp",
  ], r.console);
  assert.equal(r.status, 0);
});

Deno.test("C jumps.c: a longjmp to a returned function or an unfilled jmp_buf ends the program with a line", async () => {
  const prog = await programC("jumps");
  const stale = await bootPosix(prog, ["stale"]);
  assert.equal(stale.status, LONGJMP_STATUS);
  assert.match(
    stale.console,
    /\njumps: longjmp to a setjmp whose function has returned: ending the program\n/,
  );
  assert.doesNotMatch(stale.console, /FAIL/);
  const unset = await bootPosix(prog, ["unset"]);
  assert.equal(unset.status, LONGJMP_STATUS);
  assert.match(
    unset.console,
    /\njumps: longjmp to a jmp_buf that setjmp did not fill: ending the program\n/,
  );
});
