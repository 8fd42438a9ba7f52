/**
 * api.ts — the syscall API: what an application sees of the kernel (its "libc").
 *
 * Rules: apps import this module and nothing else of the kernel. A call that may wait
 * returns a generator (`Wait<T>`) and is called with `yield*`; a call that never waits
 * is a plain function. Every failure throws `Errno` with NetBSD's number and name.
 * Numbers of flags and constants are NetBSD's.
 */
import type { Blocking } from "../hypercall/rumpuser.ts";
export { Errno, errnoName, isErrno, strerror } from "../kern/errno.ts";
export * as errno from "../kern/errno.ts";

/** A call that may wait: use it with `yield*`. */
export type Wait<T = void> = Blocking<T>;

/** An application's main: returns its exit status. */
export type AppMain = (sys: Sys, argv: string[], env: Record<string, string>) => Wait<number>;

/** An application as an image links it. */
export interface App {
  readonly name: string;
  readonly main: AppMain;
  /** One line for `help` listings. */
  readonly summary?: string;
}

// --- open(2) flags (NetBSD fcntl.h) ---
export const O_RDONLY = 0x0000;
export const O_WRONLY = 0x0001;
export const O_RDWR = 0x0002;
export const O_ACCMODE = 0x0003;
export const O_NONBLOCK = 0x0004;
export const O_APPEND = 0x0008;
export const O_CREAT = 0x0200;
export const O_TRUNC = 0x0400;
export const O_EXCL = 0x0800;
export const O_NOFOLLOW = 0x0100;
export const O_DIRECTORY = 0x00200000;

// --- fcntl(2) ---
export const F_DUPFD = 0;
export const F_GETFD = 1;
export const F_SETFD = 2;
export const F_GETFL = 3;
export const F_SETFL = 4;
export const FD_CLOEXEC = 1;

// --- lseek(2) ---
export const SEEK_SET = 0;
export const SEEK_CUR = 1;
export const SEEK_END = 2;

// --- file types and modes (sys/stat.h) ---
export const S_IFMT = 0o170000;
export const S_IFIFO = 0o010000;
export const S_IFCHR = 0o020000;
export const S_IFDIR = 0o040000;
export const S_IFBLK = 0o060000;
export const S_IFREG = 0o100000;
export const S_IFLNK = 0o120000;
export const S_IFSOCK = 0o140000;

export const S_ISDIR = (m: number) => (m & S_IFMT) === S_IFDIR;
export const S_ISREG = (m: number) => (m & S_IFMT) === S_IFREG;
export const S_ISLNK = (m: number) => (m & S_IFMT) === S_IFLNK;

// --- poll(2) ---
export const POLLIN = 0x0001;
export const POLLPRI = 0x0002;
export const POLLOUT = 0x0004;
export const POLLRDNORM = 0x0040;
export const POLLWRNORM = POLLOUT;
export const POLLERR = 0x0008;
export const POLLHUP = 0x0010;
export const POLLNVAL = 0x0020;

// --- clocks ---
export const CLOCK_REALTIME = 0;
export const CLOCK_MONOTONIC = 3;

// --- sockets (sys/socket.h, netinet/in.h, netinet/tcp.h) ---
export const AF_INET = 2;
export const SOCK_STREAM = 1;
export const SOCK_DGRAM = 2;
export const SOCK_RAW = 3;
export const IPPROTO_IP = 0;
export const IPPROTO_ICMP = 1;
export const IPPROTO_TCP = 6;
export const IPPROTO_UDP = 17;
export const SOL_SOCKET = 0xffff;
export const SO_DEBUG = 0x0001;
export const SO_ACCEPTCONN = 0x0002;
export const SO_REUSEADDR = 0x0004;
export const SO_KEEPALIVE = 0x0008;
export const SO_BROADCAST = 0x0020;
export const SO_LINGER = 0x0080;
/**
 * SO_LINGER's value is struct linger in one number: LINGER_OFF is l_onoff 0; n ≥ 0 is
 * l_onoff 1 with l_linger n seconds. 0 makes close abort the connection with a RST; a
 * positive time is kept and reported, but close does not wait for it: the connection
 * ends in the background as with LINGER_OFF. getsockopt answers the same way.
 */
export const LINGER_OFF = -1;
export const SO_REUSEPORT = 0x0200;
export const SO_SNDBUF = 0x1001;
export const SO_RCVBUF = 0x1002;
export const SO_ERROR = 0x1007;
export const SO_TYPE = 0x1008;
export const TCP_NODELAY = 0x01;
export const TCP_MAXSEG = 0x02;
export const IP_TTL = 4;
export const SHUT_RD = 0;
export const SHUT_WR = 1;
export const SHUT_RDWR = 2;
export const MSG_OOB = 0x0001;
export const MSG_PEEK = 0x0002;
export const MSG_DONTWAIT = 0x0080;
export const MSG_NOSIGNAL = 0x0400;

// --- mount(2) ---
export const MNT_RDONLY = 0x00000001;
export const MNT_FORCE = 0x00080000;

export interface Timespec {
  sec: number;
  nsec: number;
}

export interface Stat {
  dev: number;
  ino: number;
  mode: number;
  nlink: number;
  uid: number;
  gid: number;
  rdev: number;
  size: number;
  blksize: number;
  blocks: number;
  atime: Timespec;
  mtime: Timespec;
  ctime: Timespec;
  birthtime: Timespec;
}

export interface Dirent {
  ino: number;
  name: string;
  /** DT_* type: 1 fifo, 2 chr, 4 dir, 6 blk, 8 reg, 10 lnk, 12 sock, 0 unknown. */
  type: number;
}

export interface StatVfs {
  fstypename: string;
  mntonname: string;
  mntfromname: string;
  bsize: number;
  blocks: number;
  bfree: number;
  bavail: number;
  files: number;
  ffree: number;
  flag: number;
}

export interface PollFd {
  fd: number;
  events: number;
  revents: number;
}

/** An IPv4 socket address: dotted-quad address and port. */
export interface SockAddrIn {
  addr: string;
  port: number;
}

export interface Utsname {
  sysname: string;
  nodename: string;
  release: string;
  version: string;
  machine: string;
}

/** One route as sysctl("net.route") lists it: one line of `netstat -r`. */
export interface RouteInfo {
  destination: string;
  gateway: string;
  flags: string;
  refs: number;
  use: number;
  mtu: number;
  interface: string;
}

/** The system calls. */
export interface Sys {
  // --- process ---
  getpid(): number;
  /** Ends the process with `status`. Does not return. */
  exit(status: number): never;
  /** Runs another app linked into the image as a child and waits for its exit status. */
  spawn(name: string, argv: string[], env?: Record<string, string>): Wait<number>;
  /** Names of the apps linked into the image. */
  apps(): string[];

  // --- time ---
  clock_gettime(clockid: number): Timespec;
  nanosleep(req: Timespec): Wait;

  // --- any descriptor ---
  read(fd: number, buf: Uint8Array): Wait<number>;
  write(fd: number, buf: Uint8Array): Wait<number>;
  pread(fd: number, buf: Uint8Array, offset: number): Wait<number>;
  pwrite(fd: number, buf: Uint8Array, offset: number): Wait<number>;
  lseek(fd: number, offset: number, whence: number): Wait<number>;
  close(fd: number): Wait;
  dup(fd: number): number;
  dup2(from: number, to: number): Wait<number>;
  fcntl(fd: number, cmd: number, arg?: number): number;
  poll(fds: PollFd[], timeoutMs: number): Wait<number>;
  fstat(fd: number): Wait<Stat>;
  fsync(fd: number): Wait;
  ftruncate(fd: number, length: number): Wait;
  /** Reads directory entries; an empty array at the end. */
  getdents(fd: number): Wait<Dirent[]>;

  // --- paths (the VFS) ---
  open(path: string, flags: number, mode?: number): Wait<number>;
  stat(path: string): Wait<Stat>;
  lstat(path: string): Wait<Stat>;
  mkdir(path: string, mode?: number): Wait;
  rmdir(path: string): Wait;
  unlink(path: string): Wait;
  rename(from: string, to: string): Wait;
  link(existing: string, path: string): Wait;
  symlink(target: string, path: string): Wait;
  readlink(path: string): Wait<string>;
  truncate(path: string, length: number): Wait;
  chmod(path: string, mode: number): Wait;
  utimes(path: string, atime: Timespec, mtime: Timespec): Wait;
  chdir(path: string): Wait;
  getcwd(): Wait<string>;
  statvfs(path: string): Wait<StatVfs>;
  /** Mounted file systems, like getmntinfo(3). */
  getmntinfo(): Wait<StatVfs[]>;
  mount(fstype: string, dir: string, flags: number, data?: unknown): Wait;
  unmount(dir: string, flags: number): Wait;

  // --- sockets ---
  socket(domain: number, type: number, protocol: number): number;
  bind(fd: number, addr: SockAddrIn): void;
  listen(fd: number, backlog: number): void;
  accept(fd: number): Wait<{ fd: number; addr: SockAddrIn }>;
  connect(fd: number, addr: SockAddrIn): Wait;
  send(fd: number, buf: Uint8Array, flags?: number): Wait<number>;
  recv(fd: number, buf: Uint8Array, flags?: number): Wait<number>;
  sendto(fd: number, buf: Uint8Array, flags: number, to: SockAddrIn): Wait<number>;
  recvfrom(fd: number, buf: Uint8Array, flags: number): Wait<{ n: number; from: SockAddrIn }>;
  shutdown(fd: number, how: number): Wait;
  getsockname(fd: number): SockAddrIn;
  getpeername(fd: number): SockAddrIn;
  setsockopt(fd: number, level: number, name: number, value: number): void;
  getsockopt(fd: number, level: number, name: number): number;

  // --- system information ---
  /** sysctl(3) by name, read-only: "kern.hostname", "net.inet.tcp.stats", ... */
  sysctl(name: string): unknown;
  uname(): Utsname;
}
