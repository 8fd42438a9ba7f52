/**
 * test_files.ts (test support) — two tiny kinds of open file for syscall-layer tests: a
 * seekable in-memory file ("vnode") and a one-way byte channel that can be polled.
 */
import type { Blocking } from "../../../kernel/hypercall/rumpuser.ts";
import { EAGAIN, EINVAL, Errno } from "../../../kernel/kern/errno.ts";
import {
  O_APPEND,
  O_NONBLOCK,
  O_RDWR,
  POLLHUP,
  POLLIN,
  POLLOUT,
  S_IFIFO,
  S_IFREG,
  SEEK_CUR,
  SEEK_END,
  SEEK_SET,
  type Stat,
} from "../../../kernel/syscall/api.ts";
import { type FileOps, KFile, SelInfo } from "../../../kernel/syscall/file.ts";

const T0 = { sec: 0, nsec: 0 };

function stat(mode: number, size: number): Stat {
  return {
    dev: 1,
    ino: 7,
    mode,
    nlink: 1,
    uid: 0,
    gid: 0,
    rdev: 0,
    size,
    blksize: 512,
    blocks: 0,
    atime: T0,
    mtime: T0,
    ctime: T0,
    birthtime: T0,
  };
}

export class MemObj {
  bytes = new Uint8Array(0);
  closes = 0;
  syncs = 0;
}

export const memOps: FileOps = {
  kind: "vnode",
  *read(fp, buf, off) {
    const m = fp.data as MemObj;
    const at = off ?? fp.offset;
    const n = Math.max(0, Math.min(buf.length, m.bytes.length - at));
    buf.set(m.bytes.subarray(at, at + n));
    if (off === undefined) fp.offset += n;
    return n;
  },
  *write(fp, buf, off) {
    const m = fp.data as MemObj;
    let at = off ?? fp.offset;
    if (off === undefined && fp.flags & O_APPEND) at = m.bytes.length;
    if (at + buf.length > m.bytes.length) {
      const nb = new Uint8Array(at + buf.length);
      nb.set(m.bytes);
      m.bytes = nb;
    }
    m.bytes.set(buf, at);
    if (off === undefined) fp.offset = at + buf.length;
    return buf.length;
  },
  poll: (_fp, events) => events & (POLLIN | POLLOUT),
  *stat(fp) {
    return stat(S_IFREG | 0o644, (fp.data as MemObj).bytes.length);
  },
  *close(fp) {
    (fp.data as MemObj).closes++;
  },
  *seek(fp, off, whence) {
    const base = whence === SEEK_SET
      ? 0
      : whence === SEEK_CUR
      ? fp.offset
      : whence === SEEK_END
      ? (fp.data as MemObj).bytes.length
      : NaN;
    const n = base + off;
    if (!(n >= 0)) throw new Errno(EINVAL, "lseek");
    return n;
  },
  *truncate(fp, len) {
    const m = fp.data as MemObj;
    const nb = new Uint8Array(len);
    nb.set(m.bytes.subarray(0, len));
    m.bytes = nb;
  },
  *fsync(fp) {
    (fp.data as MemObj).syncs++;
  },
};

export function memFile(flags = O_RDWR, obj = new MemObj()): KFile {
  return new KFile(memOps, flags, obj);
}

/** A byte channel: readable when bytes are queued or the writer hung up. */
export class Chan {
  data: number[] = [];
  hup = false;
  closes = 0;
  sel = new SelInfo();
  put(s: string): void {
    for (const c of new TextEncoder().encode(s)) this.data.push(c);
    this.sel.notify();
  }
  hangup(): void {
    this.hup = true;
    this.sel.notify();
  }
}

export const chanOps: FileOps = {
  kind: "pipe",
  *read(fp, buf): Blocking<number> {
    const c = fp.data as Chan;
    if (!c.data.length && !c.hup && fp.flags & O_NONBLOCK) throw new Errno(EAGAIN, "read");
    const n = Math.min(buf.length, c.data.length);
    buf.set(c.data.splice(0, n));
    return n;
  },
  *write(fp, buf) {
    (fp.data as Chan).put(new TextDecoder().decode(buf));
    return buf.length;
  },
  poll(fp, events, w) {
    const c = fp.data as Chan;
    let r = 0;
    if (c.data.length) r |= events & POLLIN;
    if (c.hup) r |= POLLHUP;
    if (!r && w) c.sel.record(w);
    return r;
  },
  *stat() {
    return stat(S_IFIFO | 0o600, 0);
  },
  *close(fp) {
    (fp.data as Chan).closes++;
  },
};

export function chanFile(c = new Chan(), flags = O_RDWR): KFile {
  return new KFile(chanOps, flags, c);
}
