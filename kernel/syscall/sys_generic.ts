/**
 * sys_generic.ts — the generic I/O system calls (NetBSD's sys_generic.c, with the
 * positional pread/pwrite, and the poll entry of sys_select.c): read, write, pread,
 * pwrite and poll, on any kind of descriptor.
 *
 * Rules: each call holds a reference on the file (`FdTable.hold`) for as long as it may
 * wait and drops it on every path (`fileRelease`), so a concurrent close cannot free the
 * file under it. A file not open for reading (writing) is EBADF for read (write); pread
 * and pwrite need a seekable file (ESPIPE) and a whole, non-negative offset (EINVAL).
 * The file's ops do the transfer; poll is poll.ts. A signal posted while a read or write
 * ran is delivered as it returns (kern_sig.ts).
 */
import type { Kernel } from "../kern/kernel.ts";
import { Errno, ESPIPE } from "../kern/errno.ts";
import type { PollFd, Sys } from "./api.ts";
import { fileRelease } from "./fdtable.ts";
import { checkOffset, checkReadable, checkWritable } from "./file.ts";
import { doPoll } from "./poll.ts";
import type { Proc } from "./proc.ts";

/** The generic I/O calls of `proc` on kernel `k`. */
export function sysGeneric(
  k: Kernel,
  proc: Proc,
): Pick<Sys, "read" | "write" | "pread" | "pwrite" | "poll"> {
  const fdt = proc.fd;
  return {
    *read(fd, buf) {
      const fp = fdt.hold(fd, "read");
      try {
        checkReadable(fp, "read");
        const n = yield* fp.ops.read(fp, buf);
        proc.sig.check(); // a signal posted meanwhile is delivered on the way out
        return n;
      } finally {
        yield* fileRelease(fp);
      }
    },
    *write(fd, buf) {
      const fp = fdt.hold(fd, "write");
      try {
        checkWritable(fp, "write");
        const n = yield* fp.ops.write(fp, buf);
        proc.sig.check(); // a signal posted meanwhile is delivered on the way out
        return n;
      } finally {
        yield* fileRelease(fp);
      }
    },
    *pread(fd, buf, offset) {
      const fp = fdt.hold(fd, "pread");
      try {
        checkReadable(fp, "pread");
        if (!fp.ops.seek) throw new Errno(ESPIPE, "pread");
        checkOffset(offset, "pread");
        return yield* fp.ops.read(fp, buf, offset);
      } finally {
        yield* fileRelease(fp);
      }
    },
    *pwrite(fd, buf, offset) {
      const fp = fdt.hold(fd, "pwrite");
      try {
        checkWritable(fp, "pwrite");
        if (!fp.ops.seek) throw new Errno(ESPIPE, "pwrite");
        checkOffset(offset, "pwrite");
        return yield* fp.ops.write(fp, buf, offset);
      } finally {
        yield* fileRelease(fp);
      }
    },
    *poll(fds: PollFd[], timeoutMs: number) {
      return yield* doPoll(k, fdt, fds, timeoutMs);
    },
  };
}
