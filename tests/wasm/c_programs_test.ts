/**
 * c_programs_test.ts — the project's own C programs (tests/wasm/c/), built with deno task
 * cc and booted in the POSIX image: files and directories, clocks and sleep, sockets (TCP
 * non-blocking with EAGAIN/EINPROGRESS, poll, UDP, name resolution). Each program checks
 * results and errno itself and prints "ok ..." per family; a FAIL line names the check.
 */
import assert from "node:assert/strict";
import { bootPosix, programC, results } from "./support.ts";

Deno.test("C files.c: open/read/write/seek/pread/pwrite/stat/rename/link/symlink/readdir/chdir/rmdir with errno", async () => {
  const r = await bootPosix(await programC("files"));
  assert.deepEqual(results(r.console), [
    "ok file io",
    "ok names",
    "ok utimes",
    "ok readdir",
    "ok cwd",
    "ok remove",
    "ok mkstemp",
    "ok stdio",
  ], r.console);
  assert.equal(r.status, 0);
});

Deno.test("C clocks.c: nanosleep, usleep and sleep take exactly their virtual time; seeded random", async () => {
  const prog = await programC("clocks");
  const a = await bootPosix(prog);
  assert.equal(a.status, 0, a.console);
  const lines = results(a.console);
  assert.equal(lines[0], "ok nanosleep 250 ms");
  assert.equal(lines[1], "ok sleep 1100 ms");
  assert.match(lines[2], /^ok random [0-9a-f]{16}$/);
  // Same seed, same bytes: the whole console; another seed, other random bytes.
  const b = await bootPosix(prog);
  assert.equal(b.console, a.console);
  const c = await bootPosix(prog, [], 8);
  assert.notEqual(results(c.console)[2], lines[2]);
});

Deno.test("C sockets.c: TCP EAGAIN/EINPROGRESS, poll, UDP, getaddrinfo from /etc/hosts and /etc/services", async () => {
  const r = await bootPosix(await programC("sockets"));
  assert.deepEqual(results(r.console), [
    "ok listen, accept EAGAIN",
    "ok connect EINPROGRESS, poll, accept",
    "ok send, recv, EOF",
    "ok udp",
    "ok getaddrinfo",
  ], r.console);
  assert.equal(r.status, 0);
});

Deno.test("C hello.c: argv, env and the exit status reach the program and come back", async () => {
  const r = await bootPosix(await programC("hello"), ["one", "two words", "42"]);
  assert.match(
    r.console,
    /hello from wasm: argc=4 pid=\d+ \[hello\] \[one\] \[two words\] \[42\] HOME=\/root\n/,
  );
  assert.equal(r.status, 42);
});

Deno.test("C pipes.c: pipe, pipe2 O_NONBLOCK with EAGAIN, dup, dup2, F_DUPFD, poll readable and hangup", async () => {
  const r = await bootPosix(await programC("pipes"));
  assert.deepEqual(results(r.console), [
    "ok pipe, dup, dup2, F_DUPFD",
    "ok pipe2 O_NONBLOCK, poll, EOF",
  ], r.console);
  assert.equal(r.status, 0);
});

Deno.test("C queue.c: the overlay's sys/queue.h lists keep their order", async () => {
  const r = await bootPosix(await programC("queue"));
  assert.deepEqual(results(r.console), ["ok sys/queue.h"], r.console);
  assert.equal(r.status, 0);
});
