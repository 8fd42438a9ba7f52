/**
 * conformance.ts — the hypercall contract's conformance suite: every platform runs the
 * same cases (DESIGN.md: interchangeable parts share one suite).
 */
import assert from "node:assert/strict";
import {
  type Blocking,
  RUMPUSER_CLOCK_ABSMONO,
  RUMPUSER_CLOCK_RELWALL,
  RUMPUSER_LWP_SET,
  RUMPUSER_PARAM_NCPU,
  RUMPUSER_VERSION,
} from "../../kernel/hypercall/rumpuser.ts";
import type { Kernel } from "../../kernel/kern/kernel.ts";

export type RunBody = <T>(
  body: (k: Kernel) => Blocking<T>,
  opts?: { ncpu?: number; seed?: number },
) => T;

const EBUSY = 16, ETIMEDOUT = 60, EINVAL = 22;

export function conformance(platform: string, run: RunBody): void {
  const t = (name: string, fn: () => void) => Deno.test(`rumpuser(${platform}): ${name}`, fn);

  t("init refuses another version and getparam answers the CPU count", () => {
    run(function* (k) {
      assert.equal(k.hyp.init(RUMPUSER_VERSION + 1, k), EINVAL);
      assert.equal(k.hyp.init(RUMPUSER_VERSION, k), 0);
      assert.equal(k.hyp.getparam(RUMPUSER_PARAM_NCPU), "2");
      assert.equal(k.hyp.getparam("NO_SUCH_PARAM"), null);
    }, { ncpu: 2 });
  });

  t("malloc returns aligned, distinct, writable memory; free makes it reusable", () => {
    run(function* (k) {
      const mem = k.hyp.memory();
      const a = k.hyp.malloc(1000, 4096), b = k.hyp.malloc(1000, 64);
      assert.ok(a > 0 && b > 0 && a % 4096 === 0 && b % 64 === 0);
      assert.ok(a + 1000 <= b || b + 1000 <= a, "no overlap");
      mem.fill(0xab, a, a + 1000);
      mem.fill(0xcd, b, b + 1000);
      assert.equal(mem[a + 999], 0xab);
      k.hyp.free(a, 1000);
      assert.equal(k.hyp.malloc(1000, 4096), a);
      assert.equal(k.hyp.malloc(mem.length * 2, 16), 0, "too much memory gives 0");
    });
  });

  t("clock_sleep with a relative and an absolute clock advances time exactly enough", () => {
    run(function* (k) {
      const h = k.hyp;
      const ns = (c: { sec: number; nsec: number }) => c.sec * 1e9 + c.nsec;
      const t0 = ns(h.clock_gettime(RUMPUSER_CLOCK_ABSMONO));
      const w0 = ns(h.clock_gettime(RUMPUSER_CLOCK_RELWALL));
      yield* h.clock_sleep(RUMPUSER_CLOCK_RELWALL, 0, 5_000_000);
      const t1 = ns(h.clock_gettime(RUMPUSER_CLOCK_ABSMONO));
      assert.ok(t1 - t0 >= 5_000_000 && t1 - t0 < 5_100_000, `slept ${t1 - t0} ns`);
      yield* h.clock_sleep(RUMPUSER_CLOCK_ABSMONO, 1, 0);
      const t2 = ns(h.clock_gettime(RUMPUSER_CLOCK_ABSMONO));
      assert.ok(t2 >= 1e9 && t2 < 1e9 + 100_000);
      const w2 = ns(h.clock_gettime(RUMPUSER_CLOCK_RELWALL));
      assert.ok(Math.abs((w2 - w0) - (t2 - t0)) < 1000, "wall and monotonic move together");
    });
  });

  t("threads run, are joined with their status, and keep their own curlwp", () => {
    const got = run(function* (k) {
      const h = k.hyp;
      const me = h.curlwp();
      const seen: unknown[] = [];
      const lwp = {};
      const th = h.thread_create(
        function* () {
          h.curlwpop(RUMPUSER_LWP_SET, lwp);
          yield* h.clock_sleep(RUMPUSER_CLOCK_RELWALL, 0, 1000);
          seen.push(h.curlwp());
          return 7;
        },
        "worker",
        true,
        0,
        -1,
      );
      const status = yield* h.thread_join(th);
      assert.equal(h.curlwp(), me);
      return { status, seen, lwp };
    });
    assert.equal(got.status, 7);
    assert.equal(got.seen[0], got.lwp);
  });

  t(
    "mutex: tryenter is EBUSY while held, owner is the holder's lwp, waiters get it after exit",
    () => {
      run(function* (k) {
        const h = k.hyp;
        const m = h.mutex_init(0);
        yield* h.mutex_enter(m);
        assert.equal(h.mutex_owner(m), h.curlwp());
        let childTry = -1, childGot = false;
        const th = h.thread_create(
          function* () {
            h.curlwpop(RUMPUSER_LWP_SET, {});
            childTry = h.mutex_tryenter(m);
            yield* h.mutex_enter(m);
            childGot = true;
            h.mutex_exit(m);
          },
          "contender",
          true,
          0,
          -1,
        );
        yield* h.clock_sleep(RUMPUSER_CLOCK_RELWALL, 0, 1000);
        assert.equal(childTry, EBUSY);
        assert.equal(childGot, false);
        h.mutex_exit(m);
        yield* h.thread_join(th);
        assert.equal(childGot, true);
        assert.equal(h.mutex_owner(m), null);
      });
    },
  );

  t("rwlock: readers share, a writer is refused, the sole reader upgrades and downgrades", () => {
    run(function* (k) {
      const h = k.hyp;
      const rw = h.rw_init();
      assert.equal(h.rw_tryenter(rw, "reader"), 0);
      assert.ok(h.rw_held(rw, "reader"));
      assert.equal(h.rw_tryupgrade(rw), 0);
      assert.ok(h.rw_held(rw, "writer"));
      h.rw_downgrade(rw);
      assert.ok(h.rw_held(rw, "reader"));
      let writerTry = -1;
      const th = h.thread_create(
        function* () {
          writerTry = h.rw_tryenter(rw, "writer");
        },
        "w",
        true,
        0,
        -1,
      );
      yield* h.thread_join(th);
      assert.equal(writerTry, EBUSY);
      h.rw_exit(rw);
      yield* h.rw_enter(rw, "writer");
      h.rw_exit(rw);
    });
  });

  t("cv: timedwait times out with ETIMEDOUT; a signal returns 0; has_waiters tells", () => {
    run(function* (k) {
      const h = k.hyp;
      const m = h.mutex_init(0), cv = h.cv_init();
      yield* h.mutex_enter(m);
      assert.equal(yield* h.cv_timedwait(cv, m, 0, 2_000_000), ETIMEDOUT);
      const th = h.thread_create(
        function* () {
          h.curlwpop(RUMPUSER_LWP_SET, {});
          yield* h.mutex_enter(m);
          assert.ok(h.cv_has_waiters(cv));
          h.cv_signal(cv);
          h.mutex_exit(m);
        },
        "signaller",
        true,
        0,
        -1,
      );
      assert.equal(yield* h.cv_timedwait(cv, m, 10, 0), 0);
      assert.equal(h.mutex_owner(m), h.curlwp(), "the mutex is held again");
      h.mutex_exit(m);
      yield* h.thread_join(th);
    });
  });

  t("a blocking hypercall releases the virtual CPU while it waits", () => {
    run(function* (k) {
      const h = k.hyp;
      const l = k.curlwp();
      assert.ok(l.cpu, "a kernel thread holds a vCPU");
      let ranWhileAsleep = false;
      k.threadCreate("other", function* () {
        ranWhileAsleep = true;
      });
      const waitsBefore = k.vcpus.waits;
      yield* h.clock_sleep(RUMPUSER_CLOCK_RELWALL, 0, 1000);
      assert.ok(ranWhileAsleep);
      assert.ok(l.cpu, "the CPU is taken back after the wait");
      assert.equal(k.vcpus.waits, waitsBefore, "the other thread found the CPU free");
    }, { ncpu: 1 });
  });

  t("getrandom is the same for the same seed and differs for another", () => {
    const draw = (seed: number) =>
      run(function* (k) {
        const b = new Uint8Array(16);
        assert.equal(k.hyp.getrandom(b, 0), 16);
        return [...b].join(",");
      }, { seed });
    assert.equal(draw(5), draw(5));
    assert.notEqual(draw(5), draw(6));
  });

  t("file hypercalls answer ENOSYS when the platform has no files", () => {
    run(function* (k) {
      const ENOSYS = 78;
      const fd = k.hyp.open("/etc/passwd", 0);
      if (fd >= 0) return; // a platform with files: covered by its own tests
      assert.equal(fd, -ENOSYS);
      assert.equal(k.hyp.getfileinfo("/etc/passwd"), ENOSYS);
    });
  });
}
