/**
 * pipe_test.ts — pipe(2) (kernel/syscall/sys_pipe.ts) and the process calls a pipeline
 * needs (posix_spawn, waitpid, kill, signal): data order, EOF, EPIPE and SIGPIPE,
 * O_NONBLOCK, the 64 KiB capacity and PIPE_BUF atomicity, blocking across processes, poll,
 * fstat, and errno for every failure path.
 */
import assert from "node:assert/strict";
import {
  EAGAIN,
  EBADF,
  ECHILD,
  EINVAL,
  EMFILE,
  ENOENT,
  EPIPE,
  ESPIPE,
  ESRCH,
  isErrno,
} from "../../../kernel/kern/errno.ts";
import type { Kernel } from "../../../kernel/kern/kernel.ts";
import {
  type App,
  F_GETFD,
  F_SETFD,
  FD_CLOEXEC,
  O_NONBLOCK,
  PIPE_BUF,
  PIPE_SIZE,
  POLLERR,
  POLLHUP,
  POLLIN,
  POLLOUT,
  S_IFIFO,
  S_IFMT,
  SEEK_SET,
  SIG_IGN,
  SIGKILL,
  SIGPIPE,
  SIGTERM,
  type Sys,
  type Wait,
  WNOHANG,
} from "../../../kernel/syscall/api.ts";
import { AppRunner } from "../../../kernel/syscall/exec.ts";
import { runInKernel } from "../../support/kernel.ts";

const enc = new TextEncoder();
const dec = new TextDecoder();

/** Children the tests spawn: each takes its work from argv. */
const helpers: App[] = [
  {
    // write N BYTE: writes N bytes of BYTE to fd 1 in 4 KiB pieces, then exits 0.
    name: "writer",
    *main(sys, argv) {
      let left = Number(argv[1]);
      const chunk = new Uint8Array(4096).fill(Number(argv[2] ?? 120));
      while (left > 0) {
        const n = yield* sys.write(1, chunk.subarray(0, Math.min(left, chunk.length)));
        left -= n;
      }
      return 0;
    },
  },
  {
    // Sleeps MS milliseconds, then writes its argv[2] to fd 1.
    name: "later",
    *main(sys, argv) {
      const ms = Number(argv[1]);
      yield* sys.nanosleep({ sec: Math.floor(ms / 1000), nsec: (ms % 1000) * 1e6 });
      yield* sys.write(1, enc.encode(argv[2]));
      return 7;
    },
  },
  {
    // Exits 0 if descriptor argv[1] is open, 9 if it is not.
    name: "probe",
    // deno-lint-ignore require-yield
    *main(sys, argv) {
      try {
        sys.fcntl(Number(argv[1]), F_GETFD);
        return 0;
      } catch (e) {
        if (isErrno(e) && e.errno === EBADF) return 9;
        throw e;
      }
    },
  },
  {
    // Reads fd 0 to its end; exits with the byte count modulo 256.
    name: "reader",
    *main(sys) {
      const buf = new Uint8Array(1000);
      let total = 0;
      for (;;) {
        const n = yield* sys.read(0, buf);
        if (n === 0) return total & 0xff;
        total += n;
      }
    },
  },
];

/** Runs `body` as the main of process "t" with the helpers linked; rethrows its failures. */
function run<T>(body: (sys: Sys, k: Kernel) => Wait<T>): { value: T; status: number } {
  let value: T | undefined;
  let error: unknown = null;
  const r = runInKernel(function* (k) {
    const runner = new AppRunner(k, [{
      name: "t",
      *main(sys) {
        try {
          value = yield* body(sys, k);
        } catch (e) {
          error = e;
        }
        return 0;
      },
    }, ...helpers]);
    return yield* runner.wait(runner.start("t", ["t"], {}));
  });
  if (error) throw error;
  return { value: value as T, status: r.value! };
}

/** Asserts that `f` throws Errno `errno`. */
function* throwsErrno(errno: number, f: () => Wait<unknown>): Wait {
  try {
    yield* f();
  } catch (e) {
    if (isErrno(e) && e.errno === errno) return;
    throw new assert.AssertionError({ message: `expected errno ${errno}, got ${e}` });
  }
  throw new assert.AssertionError({ message: `expected errno ${errno}, got success` });
}

function trySetCloexec(sys: Sys, fd: number): void {
  try {
    sys.fcntl(fd, F_SETFD, FD_CLOEXEC);
  } catch (e) {
    if (!isErrno(e)) throw e;
  }
}

/** Starts `name` as a child with `fd` (in the parent) as its descriptor `as`. */
function* spawnWith(sys: Sys, name: string, argv: string[], fd: number, as: number): Wait<number> {
  // The parent's own pipe descriptors must not reach the child (as a shell marks them).
  for (const d of [3, 4, 5, 6]) if (d !== as) trySetCloexec(sys, d);
  const save = sys.dup(as);
  yield* sys.dup2(fd, as);
  const pid = sys.posix_spawn(name, [name, ...argv]);
  yield* sys.dup2(save, as);
  yield* sys.close(save);
  return pid;
}

Deno.test("pipe: bytes written to the write end come out of the read end in order", () => {
  const { value } = run(function* (sys) {
    const [r, w] = sys.pipe();
    yield* sys.write(w, enc.encode("hello, "));
    yield* sys.write(w, enc.encode("pipe"));
    const buf = new Uint8Array(64);
    const n = yield* sys.read(r, buf);
    return dec.decode(buf.subarray(0, n));
  });
  assert.equal(value, "hello, pipe");
});

Deno.test("pipe: a read returns at most its buffer and leaves the rest for the next", () => {
  const { value } = run(function* (sys) {
    const [r, w] = sys.pipe();
    yield* sys.write(w, enc.encode("abcdef"));
    const buf = new Uint8Array(4);
    const a = dec.decode(buf.subarray(0, yield* sys.read(r, buf)));
    const b = dec.decode(buf.subarray(0, yield* sys.read(r, buf)));
    return [a, b];
  });
  assert.deepEqual(value, ["abcd", "ef"]);
});

Deno.test("pipe: read gives end of file once every write end is closed and it is drained", () => {
  const { value } = run(function* (sys) {
    const [r, w] = sys.pipe();
    const w2 = sys.dup(w);
    yield* sys.write(w, enc.encode("xy"));
    yield* sys.close(w);
    const buf = new Uint8Array(8);
    const first = yield* sys.read(r, buf);
    // w2 still holds the write end: a non-blocking read would wait, so EAGAIN.
    sys.fcntl(r, 4, /* F_SETFL */ O_NONBLOCK);
    yield* throwsErrno(EAGAIN, () => sys.read(r, buf));
    yield* sys.close(w2);
    return [first, yield* sys.read(r, buf), yield* sys.read(r, buf)];
  });
  assert.deepEqual(value, [2, 0, 0]);
});

Deno.test("pipe: a write with no reader fails with EPIPE when SIGPIPE is ignored", () => {
  run(function* (sys) {
    assert.equal(sys.signal(SIGPIPE, SIG_IGN), 0);
    const [r, w] = sys.pipe();
    yield* sys.close(r);
    yield* throwsErrno(EPIPE, () => sys.write(w, enc.encode("x")));
    // Even a zero-length write reports the broken pipe.
    yield* throwsErrno(EPIPE, () => sys.write(w, new Uint8Array(0)));
  });
});

Deno.test("pipe: a write with no reader terminates the writer by SIGPIPE (status 141)", () => {
  const { value } = run(function* (sys) {
    const [r, w] = sys.pipe();
    yield* sys.close(r);
    const pid = yield* spawnWith(sys, "writer", ["10"], w, 1);
    yield* sys.close(w);
    return yield* sys.waitpid(pid);
  });
  assert.equal(value.status, 128 + SIGPIPE);
});

Deno.test("pipe: a writer blocked on a full pipe gets SIGPIPE when the reader closes", () => {
  const { value } = run(function* (sys) {
    const [r, w] = sys.pipe();
    const pid = yield* spawnWith(sys, "writer", [String(PIPE_SIZE * 3)], w, 1);
    yield* sys.close(w);
    const buf = new Uint8Array(100);
    yield* sys.read(r, buf); // the writer is running; let it fill the pipe
    yield* sys.nanosleep({ sec: 0, nsec: 1e6 });
    yield* sys.close(r);
    return yield* sys.waitpid(pid);
  });
  assert.equal(value.status, 141);
});

Deno.test("pipe: holds exactly 64 KiB; a non-blocking write then fails with EAGAIN", () => {
  const { value } = run(function* (sys) {
    const [r, w] = sys.pipe2(O_NONBLOCK);
    const n = yield* sys.write(w, new Uint8Array(PIPE_SIZE + 1000));
    yield* throwsErrno(EAGAIN, () => sys.write(w, new Uint8Array(1)));
    const st = yield* sys.fstat(r);
    return [n, st.size];
  });
  assert.deepEqual(value, [PIPE_SIZE, PIPE_SIZE]);
});

Deno.test("pipe: a write of at most PIPE_BUF bytes is atomic: all of it or EAGAIN", () => {
  const { value } = run(function* (sys) {
    const [r, w] = sys.pipe2(O_NONBLOCK);
    yield* sys.write(w, new Uint8Array(PIPE_SIZE - 100));
    yield* throwsErrno(EAGAIN, () => sys.write(w, new Uint8Array(PIPE_BUF)));
    const small = yield* sys.write(w, new Uint8Array(100));
    // A longer write takes what fits (here, after a read of 300, 300 of 1000).
    yield* sys.read(r, new Uint8Array(300));
    const long = yield* sys.write(w, new Uint8Array(1000));
    return [small, long];
  });
  assert.deepEqual(value, [100, 300]);
});

Deno.test("pipe: a non-blocking read of an empty pipe with a writer fails with EAGAIN", () => {
  run(function* (sys) {
    const [r] = sys.pipe2(O_NONBLOCK);
    yield* throwsErrno(EAGAIN, () => sys.read(r, new Uint8Array(1)));
  });
});

Deno.test("pipe: a blocked read wakes when another process writes", () => {
  const { value } = run(function* (sys) {
    const [r, w] = sys.pipe();
    const pid = yield* spawnWith(sys, "later", ["50", "late"], w, 1);
    yield* sys.close(w);
    const buf = new Uint8Array(16);
    const got = dec.decode(buf.subarray(0, yield* sys.read(r, buf)));
    const eof = yield* sys.read(r, buf);
    return [got, eof, (yield* sys.waitpid(pid)).status];
  });
  assert.deepEqual(value, ["late", 0, 7]);
});

Deno.test("pipe: 300 KiB pass through a 64 KiB pipe, the writer blocking while it is full", () => {
  const { value } = run(function* (sys) {
    const [r, w] = sys.pipe();
    const total = 300 * 1024;
    const pid = yield* spawnWith(sys, "writer", [String(total), "65"], w, 1);
    yield* sys.close(w);
    const buf = new Uint8Array(7000);
    let n = 0;
    let bad = 0;
    for (;;) {
      const k = yield* sys.read(r, buf);
      if (k === 0) break;
      for (let i = 0; i < k; i++) if (buf[i] !== 65) bad++;
      n += k;
    }
    return [n, bad, (yield* sys.waitpid(pid)).status];
  });
  assert.deepEqual(value, [300 * 1024, 0, 0]);
});

Deno.test("pipe: a reader child sees end of file when the parent closes the write end", () => {
  const { value } = run(function* (sys) {
    const [r, w] = sys.pipe();
    const pid = yield* spawnWith(sys, "reader", [], r, 0);
    yield* sys.close(r);
    yield* sys.write(w, new Uint8Array(300));
    yield* sys.close(w);
    return (yield* sys.waitpid(pid)).status;
  });
  assert.equal(value, 300 & 0xff);
});

Deno.test("pipe: poll reports POLLIN with data, POLLOUT with room, POLLHUP and POLLERR", () => {
  const { value } = run(function* (sys) {
    const [r, w] = sys.pipe();
    const fds = [{ fd: r, events: POLLIN, revents: 0 }, { fd: w, events: POLLOUT, revents: 0 }];
    yield* sys.poll(fds, 0);
    const empty = [fds[0].revents, fds[1].revents];
    yield* sys.write(w, enc.encode("z"));
    yield* sys.poll(fds, 0);
    const data = fds[0].revents;
    yield* sys.close(w);
    const rf = [{ fd: r, events: POLLIN, revents: 0 }];
    yield* sys.poll(rf, 0);
    const hup = rf[0].revents;
    const [r2, w2] = sys.pipe();
    yield* sys.close(r2);
    const wf = [{ fd: w2, events: POLLOUT, revents: 0 }];
    yield* sys.poll(wf, 0);
    return [empty, data, hup, wf[0].revents];
  });
  assert.deepEqual(value, [[0, POLLOUT], POLLIN, POLLIN | POLLHUP, POLLERR]);
});

Deno.test("pipe: poll sleeps until another process writes", () => {
  const { value } = run(function* (sys) {
    const [r, w] = sys.pipe();
    const pid = yield* spawnWith(sys, "later", ["20", "!"], w, 1);
    yield* sys.close(w);
    const fds = [{ fd: r, events: POLLIN, revents: 0 }];
    const n = yield* sys.poll(fds, -1);
    yield* sys.waitpid(pid);
    return [n, fds[0].revents & POLLIN];
  });
  assert.deepEqual(value, [1, POLLIN]);
});

Deno.test("pipe: fstat says FIFO on both ends with the bytes buffered as size", () => {
  const { value } = run(function* (sys) {
    const [r, w] = sys.pipe();
    yield* sys.write(w, new Uint8Array(10));
    const a = yield* sys.fstat(r);
    const b = yield* sys.fstat(w);
    return [a.mode & S_IFMT, b.mode & S_IFMT, a.size, a.ino === b.ino];
  });
  assert.deepEqual(value, [S_IFIFO, S_IFIFO, 10, true]);
});

Deno.test("pipe: wrong-way use, seeking and positional I/O fail with EBADF and ESPIPE", () => {
  run(function* (sys) {
    const [r, w] = sys.pipe();
    yield* throwsErrno(EBADF, () => sys.write(r, new Uint8Array(1)));
    yield* throwsErrno(EBADF, () => sys.read(w, new Uint8Array(1)));
    yield* throwsErrno(ESPIPE, () => sys.lseek(r, 0, SEEK_SET));
    yield* throwsErrno(ESPIPE, () => sys.pread(r, new Uint8Array(1), 0));
    yield* throwsErrno(ESPIPE, () => sys.pwrite(w, new Uint8Array(1), 0));
  });
});

Deno.test("pipe: pipe2 with an unknown flag is EINVAL; a full descriptor table is EMFILE", () => {
  run(function* (sys) {
    // deno-lint-ignore require-yield
    yield* throwsErrno(EINVAL, function* () {
      sys.pipe2(0x0008);
    });
    const fds: number[] = [];
    try {
      for (;;) fds.push(sys.dup(0));
    } catch (e) {
      assert.ok(isErrno(e) && e.errno === EMFILE);
    }
    // One free slot is not enough for a pipe.
    yield* sys.close(fds.pop()!);
    // deno-lint-ignore require-yield
    yield* throwsErrno(EMFILE, function* () {
      sys.pipe();
    });
    yield* sys.close(fds.pop()!);
    const [r, w] = sys.pipe();
    assert.ok(r >= 0 && w >= 0);
  });
});

Deno.test("kill: a process blocked on a pipe read dies at once with 128 + the signal", () => {
  const { value } = run(function* (sys) {
    const [r, w] = sys.pipe();
    const pid = yield* spawnWith(sys, "reader", [], r, 0);
    yield* sys.close(r);
    yield* sys.nanosleep({ sec: 0, nsec: 1e6 });
    const running = yield* sys.waitpid(pid, WNOHANG);
    sys.kill(pid, SIGTERM);
    const done = yield* sys.waitpid(pid);
    yield* sys.close(w);
    return [running.pid, done.pid === pid, done.status];
  });
  assert.deepEqual(value, [0, true, 128 + SIGTERM]);
});

Deno.test("kill, waitpid, signal: ESRCH, ECHILD and EINVAL for what they cannot do", () => {
  run(function* (sys) {
    // deno-lint-ignore require-yield
    const t = (f: () => unknown) =>
      function* () {
        f();
      };
    yield* throwsErrno(ESRCH, t(() => sys.kill(999, SIGTERM)));
    yield* throwsErrno(ESRCH, t(() => sys.kill(0, SIGTERM)));
    yield* throwsErrno(EINVAL, t(() => sys.kill(sys.getpid(), 99)));
    yield* throwsErrno(EINVAL, t(() => sys.signal(SIGKILL, SIG_IGN)));
    yield* throwsErrno(ECHILD, () => sys.waitpid(-1));
    yield* throwsErrno(ECHILD, () => sys.waitpid(sys.getpid()));
    yield* throwsErrno(EINVAL, () => sys.waitpid(0));
    sys.kill(sys.getpid(), 0); // signal 0: the process exists
  });
});

Deno.test("waitpid: -1 collects any child, once", () => {
  const { value } = run(function* (sys) {
    const a = sys.posix_spawn("later", ["later", "5", ""]);
    const first = yield* sys.waitpid(-1);
    let again = "";
    try {
      yield* sys.waitpid(a);
    } catch (e) {
      again = isErrno(e) ? e.code : String(e);
    }
    return [first.pid === a, first.status, again];
  });
  assert.deepEqual(value, [true, 7, "ECHILD"]);
});

Deno.test("posix_spawn: a child gets the parent's descriptors except close-on-exec ones", () => {
  const { value } = run(function* (sys) {
    const [r, w] = sys.pipe();
    sys.fcntl(w, F_SETFD, FD_CLOEXEC);
    const a = sys.posix_spawn("probe", ["probe", String(r)]);
    const b = sys.posix_spawn("probe", ["probe", String(w)]);
    return [(yield* sys.waitpid(a)).status, (yield* sys.waitpid(b)).status];
  });
  assert.deepEqual(value, [0, 9]);
});

Deno.test("posix_spawn: an app that is not linked is ENOENT", () => {
  run(function* (sys) {
    // deno-lint-ignore require-yield
    yield* throwsErrno(ENOENT, function* () {
      sys.posix_spawn("nosuch", ["nosuch"]);
    });
  });
});
