import assert from "node:assert/strict";
import type { Blocking } from "../../../kernel/hypercall/rumpuser.ts";
import { ENOENT, Errno, isErrno } from "../../../kernel/kern/errno.ts";
import type { Kernel } from "../../../kernel/kern/kernel.ts";
import {
  type App,
  CLOCK_MONOTONIC,
  O_RDONLY,
  type Sys,
  type Wait,
} from "../../../kernel/syscall/api.ts";
import { AppRunner } from "../../../kernel/syscall/exec.ts";
import { runInKernel } from "../../support/kernel.ts";

const enc = new TextEncoder();

function app(name: string, main: (sys: Sys, argv: string[]) => Wait<number>): App {
  return { name, main };
}

function* say(sys: Sys, s: string): Wait {
  yield* sys.write(1, enc.encode(s));
}

/** Boots a kernel with `apps` linked and runs `body` with the runner. */
function withRunner<T>(apps: App[], body: (r: AppRunner, k: Kernel) => Blocking<T>) {
  return runInKernel(function* (k) {
    return yield* body(new AppRunner(k, apps), k);
  });
}

Deno.test("exec: an app's return value is its exit status", () => {
  const run = withRunner([app("three", function* () {
    return 3;
  })], function* (r) {
    return yield* r.wait(r.start("three"));
  });
  assert.equal(run.value, 3);
});

Deno.test("exec: exit(n) ends the app at once with status n", () => {
  const run = withRunner([app("quitter", function* (sys) {
    yield* say(sys, "before\n");
    return sys.exit(42);
  })], function* (r) {
    return yield* r.wait(r.start("quitter"));
  });
  assert.equal(run.value, 42);
  assert.equal(run.console, "before\n");
});

Deno.test("exec: an uncaught Errno prints the app's name and the error on stderr, status 1", () => {
  const run = withRunner([
    app("hello", function* () {
      throw new Errno(ENOENT, "open");
    }),
    app("cat", function* (sys) {
      yield* sys.open("/etc/motd", O_RDONLY); // no VFS linked: ENOSYS
      return 0;
    }),
  ], function* (r) {
    return [yield* r.wait(r.start("hello")), yield* r.wait(r.start("cat"))];
  });
  assert.deepEqual(run.value, [1, 1]);
  assert.equal(
    run.console,
    "hello: open: No such file or directory\ncat: open: Function not implemented\n",
  );
});

Deno.test("exec: an app that crashes gets status 1 and the kernel keeps running", () => {
  const run = withRunner([
    app("crash", function* () {
      throw new TypeError("x is undefined");
    }),
    app("after", function* (sys) {
      yield* say(sys, "still here\n");
      return 0;
    }),
  ], function* (r) {
    return yield* r.runAll([{ name: "crash" }, { name: "after" }]);
  });
  assert.equal(run.value, 0);
  assert.match(run.console, /^crash: uncaught exception: x is undefined\n/m);
  assert.match(run.console, /still here\n$/);
  assert.ok(!run.console.includes("panic"));
});

Deno.test("exec: starting or spawning an app that is not linked is ENOENT", () => {
  let spawnErr: unknown;
  const run = withRunner([app("sh", function* (sys) {
    try {
      yield* sys.spawn("nosuch", ["nosuch"]);
    } catch (e) {
      spawnErr = e;
    }
    return 0;
  })], function* (r) {
    assert.throws(() => r.start("nosuch"), (e) => isErrno(e, ENOENT));
    return yield* r.wait(r.start("sh"));
  });
  assert.equal(run.value, 0);
  assert.ok(isErrno(spawnErr, ENOENT), String(spawnErr));
});

Deno.test("exec: spawn runs a child with the parent's stdout and returns its status", () => {
  const run = withRunner([
    app("sh", function* (sys) {
      assert.deepEqual(sys.apps(), ["child", "sh"]);
      const st = yield* sys.spawn("child", ["child", "x"]);
      yield* say(sys, `sh ${sys.getpid()}: child exited ${st}\n`);
      return 0;
    }),
    app("child", function* (sys, argv) {
      const ps = sys.sysctl("kern.proc") as { pid: number; ppid: number; name: string }[];
      const me = ps.find((p) => p.pid === sys.getpid())!;
      yield* say(sys, `child ${me.pid} of ${me.ppid}: ${argv.join(" ")}\n`);
      return 5;
    }),
  ], function* (r) {
    return yield* r.wait(r.start("sh"));
  });
  assert.equal(run.console, "child 2 of 1: child x\nsh 1: child exited 5\n");
});

Deno.test("exec: runAll runs the apps one after another and returns the last status", () => {
  const sleeper = (n: number) =>
    app(`s${n}`, function* (sys) {
      const t = sys.clock_gettime(CLOCK_MONOTONIC);
      yield* say(sys, `s${n} starts at ${t.sec}\n`);
      yield* sys.nanosleep({ sec: n, nsec: 0 });
      return n;
    });
  const run = withRunner([sleeper(1), sleeper(2)], function* (r) {
    return yield* r.runAll([{ name: "s2" }, { name: "s1" }]);
  });
  assert.equal(run.value, 1);
  assert.equal(run.console, "s2 starts at 0\ns1 starts at 2\n");
});

Deno.test("exec: waitAll waits for every started app and returns the last one's status", () => {
  const run = withRunner([
    app("a", function* (sys) {
      yield* sys.nanosleep({ sec: 3, nsec: 0 });
      return 10;
    }),
    app("b", function* () {
      return 20;
    }),
  ], function* (r, k) {
    r.start("a");
    r.start("b");
    const st = yield* r.waitAll();
    return [st, k.nanotime(), r.procs.list().length];
  });
  assert.deepEqual(run.value, [20, 3e9, 0]);
});

Deno.test("exec: kern.proc lists running processes with their state", () => {
  const run = withRunner([
    app("idle", function* (sys) {
      yield* sys.nanosleep({ sec: 1, nsec: 0 });
      return 0;
    }),
    app("ps", function* (sys) {
      const ps = sys.sysctl("kern.proc") as { pid: number; name: string; state: string }[];
      yield* say(sys, ps.map((p) => `${p.pid} ${p.name} ${p.state}`).join("\n") + "\n");
      return 0;
    }),
  ], function* (r) {
    r.start("idle");
    r.start("ps");
    return yield* r.waitAll();
  });
  assert.equal(run.console, "1 idle sleep\n2 ps run\n");
});
