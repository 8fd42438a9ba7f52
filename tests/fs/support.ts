/**
 * support.ts (fs tests) — a kernel with the VFS up and one process with its Sys, for tests
 * of the VFS and its file systems; plus errno assertions for generator calls.
 */
import assert from "node:assert/strict";
import type { Blocking } from "../../kernel/hypercall/rumpuser.ts";
import { Errno, errnoName } from "../../kernel/kern/errno.ts";
import type { Kernel } from "../../kernel/kern/kernel.ts";
import type { Sys } from "../../kernel/syscall/api.ts";
import { Proc } from "../../kernel/syscall/proc.ts";
import { makeSys } from "../../kernel/syscall/sys.ts";
import { type Vfs, vfsInit } from "../../fs/vfs_init.ts";
import { runInKernel } from "../support/kernel.ts";

export interface FsEnv {
  k: Kernel;
  vfs: Vfs;
  proc: Proc;
  sys: Sys;
}

let nextPid = 100;

/** A new process (cwd "/", umask 022) with its Sys. */
export function newProc(k: Kernel, vfs: Vfs, name = "test"): { proc: Proc; sys: Sys } {
  const proc = new Proc(nextPid++, name, null, [name], {});
  vfs.syscalls.procInit(proc, null);
  return { proc, sys: makeSys(k, proc) };
}

/** Runs `body` in a fresh kernel with a tmpfs root and a process. */
export function runWithVfs<T>(
  body: (env: FsEnv) => Blocking<T>,
  opts: { memBytes?: number } = {},
): T | undefined {
  let done = false;
  const r = runInKernel(function* (k) {
    const vfs = yield* vfsInit(k);
    const { proc, sys } = newProc(k, vfs);
    const v = yield* body({ k, vfs, proc, sys });
    done = true;
    return v;
  }, opts);
  if (!done) throw new Error("the test body did not finish (deadlock?)");
  return r.value;
}

/** Asserts that the call fails with errno `n`. */
export function* fails(call: Blocking<unknown>, n: number, what = ""): Blocking {
  try {
    yield* call;
  } catch (e) {
    if (e instanceof Errno) {
      assert.equal(e.code, errnoName(n), `${what}: ${e.message}`);
      return;
    }
    throw e;
  }
  assert.fail(`${what}: expected ${errnoName(n)}, but the call succeeded`);
}

/** Asserts that a plain call fails with errno `n`. */
export function failsNow(call: () => unknown, n: number, what = ""): void {
  try {
    call();
  } catch (e) {
    if (e instanceof Errno) {
      assert.equal(e.code, errnoName(n), `${what}: ${e.message}`);
      return;
    }
    throw e;
  }
  assert.fail(`${what}: expected ${errnoName(n)}, but the call succeeded`);
}

const enc = new TextEncoder();
const dec = new TextDecoder();

/** Writes `text` to a new (or truncated) file. */
export function* writeFile(sys: Sys, path: string, text: string | Uint8Array): Blocking {
  const fd = yield* sys.open(path, 0x0001 | 0x0200 | 0x0400, 0o644);
  try {
    const b = typeof text === "string" ? enc.encode(text) : text;
    let off = 0;
    while (off < b.length) off += yield* sys.write(fd, b.subarray(off));
  } finally {
    yield* sys.close(fd);
  }
}

/** Reads a whole file as text. */
export function* readFile(sys: Sys, path: string): Blocking<string> {
  const fd = yield* sys.open(path, 0);
  try {
    let out = "";
    const buf = new Uint8Array(1000);
    for (;;) {
      const n = yield* sys.read(fd, buf);
      if (n === 0) return out;
      out += dec.decode(buf.subarray(0, n));
    }
  } finally {
    yield* sys.close(fd);
  }
}

/** Names in a directory (without "." and ".."), sorted. */
export function* listDir(sys: Sys, path: string): Blocking<string[]> {
  const fd = yield* sys.open(path, 0x00200000);
  const names: string[] = [];
  try {
    for (;;) {
      const batch = yield* sys.getdents(fd);
      if (batch.length === 0) break;
      for (const d of batch) if (d.name !== "." && d.name !== "..") names.push(d.name);
    }
  } finally {
    yield* sys.close(fd);
  }
  return names.sort();
}
