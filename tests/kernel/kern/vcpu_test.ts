import assert from "node:assert/strict";
import { runInKernel } from "../../support/kernel.ts";

Deno.test("vcpu: trySchedule takes a free CPU, refuses when all are busy and when the lwp holds one", () => {
  runInKernel(function* (k) {
    const me = k.curlwp();
    assert.ok(me.cpu, "a running kernel thread holds a CPU");
    const a = k.newLwp(k.proc0, "a"), b = k.newLwp(k.proc0, "b");
    const idle = k.vcpus.idle;
    assert.equal(idle, 1);
    assert.equal(k.vcpus.trySchedule(a), true);
    assert.equal(a.cpu?.lwp, a);
    assert.equal(k.vcpus.idle, 0);
    assert.equal(k.vcpus.trySchedule(b), false, "both CPUs are taken");
    assert.equal(b.cpu, null);
    assert.throws(() => k.vcpus.trySchedule(a), /already holds/);
    k.vcpus.unschedule(a);
    assert.equal(k.vcpus.trySchedule(b), true, "a's CPU went back to the free list");
    k.vcpus.unschedule(b);
    assert.equal(k.vcpus.idle, idle);
  }, { ncpu: 2 });
});
