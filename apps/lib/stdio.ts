/**
 * stdio.ts — the small output helpers every app uses (the part of libc's stdio an app
 * needs): write a whole buffer, print text to stdout or stderr.
 *
 * Rules: only the syscall API; a short write is continued until everything is written
 * (write(2) may take fewer bytes than asked); text is UTF-8.
 */
import type { Sys, Wait } from "../../kernel/syscall/api.ts";

export const STDOUT = 1;
export const STDERR = 2;

const enc = new TextEncoder();

/** Writes all of `buf` to `fd`, continuing after short writes. */
export function* writeAll(sys: Sys, fd: number, buf: Uint8Array): Wait {
  for (let off = 0; off < buf.length;) off += yield* sys.write(fd, buf.subarray(off));
}

/** Prints `s` on stdout. */
export function* print(sys: Sys, s: string): Wait {
  yield* writeAll(sys, STDOUT, enc.encode(s));
}

/** Prints `s` on stderr. */
export function* eprint(sys: Sys, s: string): Wait {
  yield* writeAll(sys, STDERR, enc.encode(s));
}

/** Prints `prog: msg` on stderr and returns `status` (err(3)'s shape, for `return yield*`). */
export function* fail(sys: Sys, prog: string, msg: string, status = 1): Wait<number> {
  yield* eprint(sys, `${prog}: ${msg}\n`);
  return status;
}

/** sysexits(3) codes the apps use. */
export const EX_USAGE = 64;
export const EX_NOHOST = 68;
export const EX_UNAVAILABLE = 69;
export const EX_OSERR = 71;
