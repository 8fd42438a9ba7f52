import assert from "node:assert/strict";
import { EBADF, Errno } from "../../../kernel/kern/errno.ts";
import { runSys } from "./harness.ts";

Deno.test("ktrace: a traced process reports each call's entry and return with its errno", () => {
  const log: string[] = [];
  const r = runSys(function* (sys) {
    const pid = sys.getpid();
    yield* sys.write(1, new TextEncoder().encode("hi\n"));
    yield* sys.nanosleep({ sec: 0, nsec: 1000 }); // blocks: the return comes after the wait
    const err = yield* (function* () {
      try {
        yield* sys.read(99, new Uint8Array(1));
        return null;
      } catch (e) {
        return e;
      }
    })();
    return { pid, err };
  }, {
    setup: (k) => {
      k.trace = (kind, name, detail) => log.push(`${kind} ${name} ${detail}`);
    },
  });
  assert.equal(r.console, "hi\n");
  assert.ok(r.value.err instanceof Errno && r.value.err.errno === EBADF, "the errno is rethrown");
  assert.deepEqual(log, [
    "syscall getpid 0",
    "sysret getpid 0",
    "syscall write 0",
    "sysret write 0",
    "syscall nanosleep 0",
    "sysret nanosleep 0",
    "syscall read 0",
    `sysret read ${EBADF}`,
  ]);
});

Deno.test("ktrace: an untraced process's calls report nothing and are the plain calls", () => {
  const r = runSys(function* (sys, _p, k) {
    assert.equal(k.trace, null);
    yield* sys.nanosleep({ sec: 0, nsec: 1 });
    return sys.getpid();
  });
  assert.ok(r.value > 0);
});
