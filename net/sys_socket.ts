/**
 * sys_socket.ts — sockets as open files (NetBSD's kern/sys_socket.c, socketops): read and
 * write are receive and send, poll is sopoll, close is soclose.
 *
 * Rules: a socket's KFile has `ops.kind` "socket" and the Socket as `data`. O_NONBLOCK on
 * the file makes every wait EAGAIN (or EINPROGRESS for connect). A socket is not seekable
 * (the syscall layer answers lseek with ESPIPE).
 */
import type { Blocking } from "../kernel/hypercall/rumpuser.ts";
import { ENOTSOCK, Errno } from "../kernel/kern/errno.ts";
import { O_NONBLOCK, O_RDWR, S_IFSOCK, type Stat } from "../kernel/syscall/api.ts";
import { type FileOps, KFile, type PollWaiter } from "../kernel/syscall/file.ts";
import { type Socket, soclose, sopoll, soready, soreceive, sosend } from "./socket.ts";

export const socketops: FileOps = {
  kind: "socket",
  *read(fp: KFile, buf: Uint8Array): Blocking<number> {
    const r = yield* soreceive(sockOf(fp), buf, 0, nbio(fp));
    return r.n;
  },
  *write(fp: KFile, buf: Uint8Array): Blocking<number> {
    return yield* sosend(sockOf(fp), buf, null, 0, nbio(fp));
  },
  poll(fp: KFile, events: number, w: PollWaiter | null): number {
    return sopoll(sockOf(fp), events, w);
  },
  ready(fp: KFile, write: boolean): number {
    return soready(sockOf(fp), write);
  },
  *stat(fp: KFile): Blocking<Stat> {
    const so = sockOf(fp);
    const t = { sec: 0, nsec: 0 };
    return {
      dev: 0,
      ino: so.id,
      mode: S_IFSOCK | 0o666,
      nlink: 1,
      uid: 0,
      gid: 0,
      rdev: 0,
      size: so.rcv.cc,
      blksize: so.snd.hiwat,
      blocks: 0,
      atime: t,
      mtime: t,
      ctime: t,
      birthtime: t,
    };
  },
  *close(fp: KFile): Blocking {
    soclose(sockOf(fp));
  },
};

/** A new file for socket `so`. */
export function socketFile(so: Socket, flags = 0): KFile {
  return new KFile(socketops, O_RDWR | (flags & O_NONBLOCK), so);
}

/** The socket behind `fp`; ENOTSOCK for any other file. */
export function sockOf(fp: KFile): Socket {
  if (fp.ops !== socketops) throw new Errno(ENOTSOCK);
  return fp.data as Socket;
}

/** True when the file is non-blocking. */
export function nbio(fp: KFile): boolean {
  return (fp.flags & O_NONBLOCK) !== 0;
}
