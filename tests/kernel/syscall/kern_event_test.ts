import assert from "node:assert/strict";
import { EBADF, EINVAL, ENOENT, isErrno } from "../../../kernel/kern/errno.ts";
import {
  CLOCK_MONOTONIC,
  EV_ADD,
  EV_CLEAR,
  EV_DELETE,
  EV_DISABLE,
  EV_DISPATCH,
  EV_ENABLE,
  EV_EOF,
  EV_ERROR,
  EV_ONESHOT,
  EV_RECEIPT,
  EVFILT_READ,
  EVFILT_WRITE,
  type KEvent,
  POLLIN,
  type Sys,
} from "../../../kernel/syscall/api.ts";
import { runSys } from "./harness.ts";

const now = (sys: Sys) => {
  const t = sys.clock_gettime(CLOCK_MONOTONIC);
  return t.sec * 1e9 + t.nsec;
};
const ev = (ident: number, filter: number, flags: number, udata = 0): KEvent => ({
  ident,
  filter,
  flags,
  fflags: 0,
  data: 0,
  udata,
});
const bytes = (s: string) => new TextEncoder().encode(s);

Deno.test("kevent: a readable pipe is returned with its byte count, again and again until read (level-triggered)", () => {
  runSys(function* (sys) {
    const kq = sys.kqueue();
    const [r, w] = sys.pipe();
    yield* sys.write(w, bytes("hello"));
    const got = yield* sys.kevent(kq, [ev(r, EVFILT_READ, EV_ADD, 77)], 8, 0);
    assert.deepEqual(got, [{
      ident: r,
      filter: EVFILT_READ,
      flags: 0,
      fflags: 0,
      data: 5,
      udata: 77,
    }]);
    assert.equal((yield* sys.kevent(kq, [], 8, 0)).length, 1, "still readable: returned again");
    yield* sys.read(r, new Uint8Array(5));
    assert.deepEqual(yield* sys.kevent(kq, [], 8, 0), [], "read: nothing ready");
  });
});

Deno.test("kevent: with nothing ready a 0 timeout returns at once, a timeout after exactly that long", () => {
  runSys(function* (sys) {
    const kq = sys.kqueue();
    const [r] = sys.pipe();
    const t0 = now(sys);
    assert.deepEqual(yield* sys.kevent(kq, [ev(r, EVFILT_READ, EV_ADD)], 4, 0), []);
    assert.equal(now(sys), t0);
    assert.deepEqual(yield* sys.kevent(kq, [], 4, 250), []);
    assert.equal(now(sys) - t0, 250e6);
  });
});

Deno.test("kevent: a waiting kevent wakes when another thread writes, at that moment", () => {
  runSys(function* (sys, _p, k) {
    const kq = sys.kqueue();
    const [r, w] = sys.pipe();
    yield* sys.kevent(kq, [ev(r, EVFILT_READ, EV_ADD, 5)], 0, 0);
    const t0 = now(sys);
    k.threadCreate("writer", function* () {
      yield* k.sleep(40e6);
      yield* sys.write(w, bytes("x"));
    });
    const got = yield* sys.kevent(kq, [], 4, -1);
    assert.equal(now(sys) - t0, 40e6);
    assert.equal(got.length, 1);
    assert.equal(got[0].udata, 5);
  });
});

Deno.test("kevent: among 1,000 watched pipes only the one written is returned", () => {
  runSys(function* (sys) {
    const kq = sys.kqueue();
    const ends: [number, number][] = [];
    for (let i = 0; i < 1000; i++) ends.push(sys.pipe());
    yield* sys.kevent(kq, ends.map(([r], i) => ev(r, EVFILT_READ, EV_ADD, i)), 0, 0);
    assert.deepEqual(yield* sys.kevent(kq, [], 16, 0), []);
    yield* sys.write(ends[613][1], bytes("!"));
    const got = yield* sys.kevent(kq, [], 16, 0);
    assert.deepEqual(got.map((e) => e.udata), [613]);
  });
});

Deno.test("kevent: EV_ONESHOT is returned once and deleted; EV_DISPATCH once and disabled until EV_ENABLE", () => {
  runSys(function* (sys) {
    const kq = sys.kqueue();
    const [r, w] = sys.pipe();
    yield* sys.write(w, bytes("ab"));
    assert.equal(
      (yield* sys.kevent(kq, [ev(r, EVFILT_READ, EV_ADD | EV_ONESHOT)], 4, 0)).length,
      1,
    );
    assert.deepEqual(yield* sys.kevent(kq, [], 4, 0), []);
    const del = yield* sys.kevent(kq, [ev(r, EVFILT_READ, EV_DELETE)], 4, 0);
    assert.deepEqual(del.map((e) => [e.flags & EV_ERROR, e.data]), [[EV_ERROR, ENOENT]]);

    assert.equal(
      (yield* sys.kevent(kq, [ev(r, EVFILT_READ, EV_ADD | EV_DISPATCH)], 4, 0)).length,
      1,
    );
    assert.deepEqual(yield* sys.kevent(kq, [], 4, 0), [], "disabled after it was returned");
    assert.equal((yield* sys.kevent(kq, [ev(r, EVFILT_READ, EV_ENABLE)], 4, 0)).length, 1);
  });
});

Deno.test("kevent: EV_CLEAR returns a knote once per change, not while the state lasts", () => {
  runSys(function* (sys) {
    const kq = sys.kqueue();
    const [r, w] = sys.pipe();
    yield* sys.kevent(kq, [ev(r, EVFILT_READ, EV_ADD | EV_CLEAR)], 0, 0);
    yield* sys.write(w, bytes("a"));
    const first = yield* sys.kevent(kq, [], 4, 0);
    assert.equal(first.length, 1);
    assert.equal(first[0].flags & EV_CLEAR, EV_CLEAR);
    assert.deepEqual(yield* sys.kevent(kq, [], 4, 0), [], "nothing new: not returned again");
    yield* sys.write(w, bytes("b"));
    const second = yield* sys.kevent(kq, [], 4, 0);
    assert.deepEqual(second.map((e) => e.data), [2], "a new write: returned, with both bytes");
  });
});

Deno.test("kevent: EV_DISABLE keeps a ready knote quiet until EV_ENABLE", () => {
  runSys(function* (sys) {
    const kq = sys.kqueue();
    const [r, w] = sys.pipe();
    yield* sys.write(w, bytes("a"));
    assert.deepEqual(yield* sys.kevent(kq, [ev(r, EVFILT_READ, EV_ADD | EV_DISABLE)], 4, 0), []);
    assert.deepEqual(yield* sys.kevent(kq, [], 4, 0), []);
    assert.equal((yield* sys.kevent(kq, [ev(r, EVFILT_READ, EV_ENABLE)], 4, 0)).length, 1);
  });
});

Deno.test("kevent: a pipe's write end has room; its read end gets EV_EOF when the writer closes", () => {
  runSys(function* (sys) {
    const kq = sys.kqueue();
    const [r, w] = sys.pipe();
    const wr = yield* sys.kevent(kq, [ev(w, EVFILT_WRITE, EV_ADD)], 4, 0);
    assert.equal(wr.length, 1);
    assert.ok(wr[0].data >= 512, `room ${wr[0].data}`);
    yield* sys.kevent(kq, [ev(w, EVFILT_WRITE, EV_DELETE), ev(r, EVFILT_READ, EV_ADD)], 0, 0);
    yield* sys.close(w);
    const got = yield* sys.kevent(kq, [], 4, 0);
    assert.equal(got.length, 1);
    assert.equal(got[0].flags & EV_EOF, EV_EOF);
    assert.equal(got[0].data, 0);
  });
});

Deno.test("kevent: a failed change is an EV_ERROR event while there is room, the call's error without", () => {
  runSys(function* (sys) {
    const kq = sys.kqueue();
    const [r] = sys.pipe();
    const got = yield* sys.kevent(
      kq,
      [ev(99, EVFILT_READ, EV_ADD), ev(r, 7, EV_ADD), ev(r, EVFILT_WRITE, EV_DELETE)],
      8,
      0,
    );
    assert.deepEqual(
      got.map((e) => [e.ident, e.flags & EV_ERROR, e.data]),
      [[99, EV_ERROR, EBADF], [r, EV_ERROR, EINVAL], [r, EV_ERROR, ENOENT]],
    );
    const fails = function* (change: KEvent, errno: number) {
      try {
        yield* sys.kevent(kq, [change], 0, 0);
        assert.fail("no error");
      } catch (e) {
        assert.ok(isErrno(e, errno), String(e));
      }
    };
    yield* fails(ev(99, EVFILT_READ, EV_ADD), EBADF);
    yield* fails(ev(r, EVFILT_READ, EV_DISABLE), ENOENT);
    // EV_RECEIPT: every change answered, 0 for success.
    const receipt = yield* sys.kevent(kq, [ev(r, EVFILT_READ, EV_ADD | EV_RECEIPT)], 4, 0);
    assert.deepEqual(receipt.map((e) => [e.flags & EV_ERROR, e.data]), [[EV_ERROR, 0]]);
  });
});

Deno.test("kevent: on a descriptor that is not a kqueue is EBADF; a kqueue can be polled", () => {
  runSys(function* (sys) {
    const [r, w] = sys.pipe();
    try {
      yield* sys.kevent(r, [], 1, 0);
      assert.fail("no error");
    } catch (e) {
      assert.ok(isErrno(e, EBADF));
    }
    const kq = sys.kqueue();
    yield* sys.kevent(kq, [ev(r, EVFILT_READ, EV_ADD)], 0, 0);
    const fds = [{ fd: kq, events: POLLIN, revents: 0 }];
    assert.equal(yield* sys.poll(fds, 0), 0);
    yield* sys.write(w, bytes("z"));
    assert.equal(yield* sys.poll(fds, 0), 1);
    assert.equal(fds[0].revents, POLLIN);
  });
});

Deno.test("kevent: closing a watched descriptor drops its knote; a new file on the same number is not watched", () => {
  runSys(function* (sys) {
    const kq = sys.kqueue();
    const [r, w] = sys.pipe();
    yield* sys.write(w, bytes("a"));
    yield* sys.kevent(kq, [ev(r, EVFILT_READ, EV_ADD, 1)], 0, 0);
    yield* sys.close(r);
    yield* sys.close(w);
    assert.deepEqual(yield* sys.kevent(kq, [], 4, 0), []);
    const [r2, w2] = sys.pipe();
    assert.equal(r2, r, "the number is reused");
    yield* sys.write(w2, bytes("b"));
    assert.deepEqual(yield* sys.kevent(kq, [], 4, 0), [], "the new pipe was never added");
    const got = yield* sys.kevent(kq, [ev(r2, EVFILT_READ, EV_ADD, 2)], 4, 0);
    assert.deepEqual(got.map((e) => e.udata), [2]);
  });
});
