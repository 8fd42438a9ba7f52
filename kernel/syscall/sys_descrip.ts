/**
 * sys_descrip.ts — the descriptor system calls (NetBSD's sys_descrip.c): close, dup,
 * dup2, fcntl and fstat.
 *
 * Rules: the descriptor table (fdtable.ts) does the work and its errors (EBADF, EMFILE)
 * stand. fcntl knows F_DUPFD (the lowest free descriptor at or above `arg`, EINVAL when
 * `arg` is outside the table), F_GETFD/F_SETFD (close-on-exec) and F_GETFL/F_SETFL, which
 * may change only O_NONBLOCK and O_APPEND and tells the file's ops; any other command is
 * EINVAL. fstat holds a reference on the file while the file's ops answer.
 */
import { EINVAL, Errno } from "../kern/errno.ts";
import {
  F_DUPFD,
  F_GETFD,
  F_GETFL,
  F_SETFD,
  F_SETFL,
  FD_CLOEXEC,
  O_APPEND,
  O_NONBLOCK,
  type Sys,
} from "./api.ts";
import { fileRelease } from "./fdtable.ts";
import type { Proc } from "./proc.ts";

/** The status flags fcntl(F_SETFL) may change. */
const SETFL_MASK = O_NONBLOCK | O_APPEND;

/** The descriptor calls of `proc`. */
export function sysDescrip(
  proc: Proc,
): Pick<Sys, "close" | "dup" | "dup2" | "fcntl" | "fstat"> {
  const fdt = proc.fd;
  return {
    *close(fd) {
      yield* fdt.close(fd);
    },
    dup: (fd) => fdt.dup(fd),
    *dup2(from, to) {
      return yield* fdt.dup2(from, to);
    },
    fcntl(fd, cmd, arg = 0) {
      const fp = fdt.get(fd, "fcntl");
      switch (cmd) {
        case F_DUPFD:
          if (!Number.isInteger(arg) || arg < 0 || arg >= fdt.limit) {
            throw new Errno(EINVAL, "fcntl");
          }
          return fdt.dup(fd, arg);
        case F_GETFD:
          return fdt.getCloexec(fd) ? FD_CLOEXEC : 0;
        case F_SETFD:
          fdt.setCloexec(fd, (arg & FD_CLOEXEC) !== 0);
          return 0;
        case F_GETFL:
          return fp.flags;
        case F_SETFL:
          fp.flags = (fp.flags & ~SETFL_MASK) | (arg & SETFL_MASK);
          fp.ops.setflags?.(fp, fp.flags);
          return 0;
        default:
          throw new Errno(EINVAL, "fcntl");
      }
    },
    *fstat(fd) {
      const fp = fdt.hold(fd, "fstat");
      try {
        return yield* fp.ops.stat(fp);
      } finally {
        yield* fileRelease(fp);
      }
    },
  };
}
