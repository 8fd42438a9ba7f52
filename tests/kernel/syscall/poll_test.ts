import assert from "node:assert/strict";
import { FD_LIMIT } from "../../../kernel/syscall/fdtable.ts";
import { EINVAL, isErrno } from "../../../kernel/kern/errno.ts";
import {
  CLOCK_MONOTONIC,
  type PollFd,
  POLLHUP,
  POLLIN,
  POLLNVAL,
  POLLOUT,
  type Sys,
} from "../../../kernel/syscall/api.ts";
import { runSys } from "./harness.ts";
import { Chan, chanFile } from "./test_files.ts";

const now = (sys: Sys) => {
  const t = sys.clock_gettime(CLOCK_MONOTONIC);
  return t.sec * 1e9 + t.nsec;
};

Deno.test("poll: with nothing ready a 0 timeout scans once and returns 0 at once", () => {
  runSys(function* (sys, p) {
    const fd = p.fd.alloc(chanFile());
    const fds: PollFd[] = [{ fd, events: POLLIN, revents: 0 }];
    const t0 = now(sys);
    assert.equal(yield* sys.poll(fds, 0), 0);
    assert.equal(now(sys), t0);
    assert.equal(fds[0].revents, 0);
  });
});

Deno.test("poll: with nothing ready it returns 0 when the timeout runs out, exactly", () => {
  runSys(function* (sys, p) {
    const fd = p.fd.alloc(chanFile());
    const t0 = now(sys);
    assert.equal(yield* sys.poll([{ fd, events: POLLIN, revents: 0 }], 250), 0);
    assert.equal(now(sys) - t0, 250e6);
  });
});

Deno.test("poll: returns the number of ready descriptors and their events", () => {
  runSys(function* (sys, p) {
    const a = new Chan(), b = new Chan();
    const fa = p.fd.alloc(chanFile(a)), fb = p.fd.alloc(chanFile(b));
    a.put("x");
    const fds: PollFd[] = [
      { fd: fa, events: POLLIN, revents: 0 },
      { fd: fb, events: POLLIN, revents: 0 },
      { fd: 1, events: POLLOUT, revents: 0 },
    ];
    assert.equal(yield* sys.poll(fds, -1), 2);
    assert.deepEqual(fds.map((f) => f.revents), [POLLIN, 0, POLLOUT]);
  });
});

Deno.test("poll: a descriptor that names nothing gets POLLNVAL, a negative one is skipped", () => {
  runSys(function* (sys) {
    const fds: PollFd[] = [
      { fd: 40, events: POLLIN, revents: 0 },
      { fd: -1, events: POLLIN, revents: 7 },
    ];
    assert.equal(yield* sys.poll(fds, 1000), 1);
    assert.deepEqual(fds.map((f) => f.revents), [POLLNVAL, 0]);
  });
});

Deno.test("poll: POLLHUP is reported even when not asked for", () => {
  runSys(function* (sys, p) {
    const c = new Chan();
    const fd = p.fd.alloc(chanFile(c));
    c.hangup();
    const fds: PollFd[] = [{ fd, events: POLLOUT, revents: 0 }];
    assert.equal(yield* sys.poll(fds, 0), 1);
    assert.equal(fds[0].revents, POLLHUP);
  });
});

Deno.test("poll: a waiting poll wakes when an object notifies, at that moment", () => {
  runSys(function* (sys, p, k) {
    const c = new Chan();
    const fd = p.fd.alloc(chanFile(c));
    k.threadCreate("writer", function* () {
      yield* k.sleep(100e6);
      c.put("hi");
    });
    const t0 = now(sys);
    const fds: PollFd[] = [{ fd, events: POLLIN, revents: 0 }];
    assert.equal(yield* sys.poll(fds, -1), 1);
    assert.equal(now(sys) - t0, 100e6);
    assert.equal(fds[0].revents, POLLIN);
  });
});

Deno.test("poll: repeated polls that time out leave no waiter that breaks a later poll", () => {
  runSys(function* (sys, p, k) {
    const c = new Chan();
    const fd = p.fd.alloc(chanFile(c));
    for (let i = 0; i < 5; i++) {
      assert.equal(yield* sys.poll([{ fd, events: POLLIN, revents: 0 }], 10), 0);
    }
    k.threadCreate("writer", function* () {
      yield* k.sleep(5e6);
      c.put("!");
    });
    assert.equal(yield* sys.poll([{ fd, events: POLLIN, revents: 0 }], 1000), 1);
  });
});

Deno.test("poll: console input wakes a poll for POLLIN on fd 0", () => {
  runSys(function* (sys, _p, k) {
    k.callout("type", () => k.consoleInput(new TextEncoder().encode("ls\n"))).schedule(30e6);
    const fds: PollFd[] = [{ fd: 0, events: POLLIN, revents: 0 }];
    assert.equal(yield* sys.poll(fds, -1), 1);
    assert.equal(fds[0].revents, POLLIN);
    assert.equal(now(sys), 30e6);
  });
});

Deno.test("poll: more entries than 1000 plus the descriptor limit is EINVAL", () => {
  runSys(function* (sys) {
    const fds = Array.from({ length: 1001 + FD_LIMIT }, () => ({ fd: -1, events: 0, revents: 0 }));
    try {
      yield* sys.poll(fds, 0);
      assert.fail("expected EINVAL");
    } catch (e) {
      assert.ok(isErrno(e, EINVAL));
    }
    assert.equal(yield* sys.poll(fds.slice(1), 0), 0);
  });
});
