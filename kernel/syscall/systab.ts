/**
 * systab.ts — the syscalls a faction contributes when its component is linked.
 *
 * Rules: the syscall layer implements the calls on descriptors itself; calls on paths come
 * from the VFS faction (fs/, NetBSD's vfs_syscalls) and calls on sockets from the NET
 * faction (net/, NetBSD's uipc_syscalls). An image without fs/ or net/ has none of their
 * code: the syscall layer answers those calls with ENOSYS / EAFNOSUPPORT. Each handler
 * gets the calling process first. The table itself is the base's (kern/sysent.ts): the
 * interfaces here are the types of its slots.
 */
import type { Blocking } from "../hypercall/rumpuser.ts";
import type { SockAddrIn, Stat, StatVfs, Timespec } from "./api.ts";
import type { KFile } from "./file.ts";

/** What the syscall layer knows of a process; fs/ keeps its cwd here. */
export interface ProcRef {
  readonly pid: number;
  readonly name: string;
  /** The current directory: a vnode owned by fs/ (null without a VFS). */
  cwd: unknown;
  /** File creation mask. */
  umask: number;
}

export interface VfsSyscalls {
  /** Gives a new process its cwd (the parent's, or the root). */
  procInit(p: ProcRef, parent: ProcRef | null): void;
  /** Drops the process's references at exit. */
  procExit(p: ProcRef): void;
  open(p: ProcRef, path: string, flags: number, mode: number): Blocking<KFile>;
  stat(p: ProcRef, path: string, follow: boolean): Blocking<Stat>;
  mkdir(p: ProcRef, path: string, mode: number): Blocking;
  rmdir(p: ProcRef, path: string): Blocking;
  unlink(p: ProcRef, path: string): Blocking;
  rename(p: ProcRef, from: string, to: string): Blocking;
  link(p: ProcRef, existing: string, path: string): Blocking;
  symlink(p: ProcRef, target: string, path: string): Blocking;
  readlink(p: ProcRef, path: string): Blocking<string>;
  truncate(p: ProcRef, path: string, length: number): Blocking;
  chmod(p: ProcRef, path: string, mode: number): Blocking;
  utimes(p: ProcRef, path: string, atime: Timespec, mtime: Timespec): Blocking;
  chdir(p: ProcRef, path: string): Blocking;
  getcwd(p: ProcRef): Blocking<string>;
  statvfs(p: ProcRef, path: string): Blocking<StatVfs>;
  getmntinfo(p: ProcRef): Blocking<StatVfs[]>;
  mount(p: ProcRef, fstype: string, dir: string, flags: number, data: unknown): Blocking;
  unmount(p: ProcRef, dir: string, flags: number): Blocking;
}

export interface SocketSyscalls {
  socket(p: ProcRef, domain: number, type: number, protocol: number): KFile;
  bind(fp: KFile, addr: SockAddrIn): void;
  listen(fp: KFile, backlog: number): void;
  accept(fp: KFile): Blocking<{ file: KFile; addr: SockAddrIn }>;
  connect(fp: KFile, addr: SockAddrIn): Blocking;
  sendto(fp: KFile, buf: Uint8Array, flags: number, to: SockAddrIn | null): Blocking<number>;
  recvfrom(fp: KFile, buf: Uint8Array, flags: number): Blocking<{ n: number; from: SockAddrIn }>;
  shutdown(fp: KFile, how: number): Blocking;
  getsockname(fp: KFile): SockAddrIn;
  getpeername(fp: KFile): SockAddrIn;
  setsockopt(fp: KFile, level: number, name: number, value: number): void;
  getsockopt(fp: KFile, level: number, name: number): number;
}

/** The kernel's syscall table (kern/sysent.ts, `Kernel.syscalls`) with its slots typed. */
export interface Sysent {
  vfs: VfsSyscalls | null;
  net: SocketSyscalls | null;
}

/**
 * The typed view of `k`'s syscall table: the base holds the slots as objects because it
 * may not name these types; the factions fill them and the syscall layer calls through
 * them here.
 */
export function sysent(k: { syscalls: object }): Sysent {
  return k.syscalls as Sysent;
}
