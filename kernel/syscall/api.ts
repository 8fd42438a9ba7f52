/**
 * api.ts — the syscall API: what an application sees of the kernel (its "libc").
 *
 * Rules: apps import this module and nothing else of the kernel. A call that may wait
 * returns a generator (`Wait<T>`) and is called with `yield*`; a call that never waits
 * is a plain function. Every failure throws `Errno` with NetBSD's number and name.
 * Numbers of flags and constants are NetBSD's.
 */
export { Errno, errnoName, isErrno, strerror } from "../kern/errno.ts";
export * as errno from "../kern/errno.ts";
/** The libc's stub resolver (resolv.ts): /etc/hosts, then the DNS of /etc/resolv.conf. */
export {
  gethostbyaddr,
  gethostbyname,
  HOST_NOT_FOUND,
  type HostEnt,
  HostError,
  hstrerror,
  NO_DATA,
  NO_RECOVERY,
  TRY_AGAIN,
} from "./resolv.ts";

/**
 * A call that may wait: use it with `yield*`.
 *
 * @example
 * ```ts
 * import type { Sys, Wait } from "@rumpsim/rumpsim";
 * const pause = function* (sys: Sys): Wait<void> {
 *   yield* sys.nanosleep({ sec: 0, nsec: 1_000_000 });
 * };
 * ```
 */
export type Wait<T = void> = Generator<unknown, T, unknown>;

/**
 * An application's main: returns its exit status.
 *
 * @example
 * ```ts
 * import type { AppMain } from "@rumpsim/rumpsim";
 * const main: AppMain = function* (sys, argv) {
 *   yield* sys.write(1, new TextEncoder().encode(argv.join(" ") + "\n"));
 *   return 0;
 * };
 * ```
 */
export type AppMain = (sys: Sys, argv: string[], env: Record<string, string>) => Wait<number>;

/**
 * An application as an image links it.
 *
 * @example
 * ```ts
 * import type { App } from "@rumpsim/rumpsim";
 * const app: App = {
 *   name: "echo",
 *   summary: "print the arguments",
 *   *main(sys, argv) {
 *     yield* sys.write(1, new TextEncoder().encode(argv.slice(1).join(" ") + "\n"));
 *     return 0;
 *   },
 * };
 * ```
 */
export interface App {
  /** The name it is started by (argv[0]). */
  readonly name: string;
  /** Its main: returns the exit status. */
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

// --- kqueue(2) (sys/event.h): filters and flags, NetBSD's values ---
export const EVFILT_READ = 0;
export const EVFILT_WRITE = 1;
export const EV_ADD = 0x0001;
export const EV_DELETE = 0x0002;
export const EV_ENABLE = 0x0004;
export const EV_DISABLE = 0x0008;
export const EV_ONESHOT = 0x0010;
export const EV_CLEAR = 0x0020;
export const EV_RECEIPT = 0x0040;
export const EV_DISPATCH = 0x0080;
export const EV_ERROR = 0x4000;
export const EV_EOF = 0x8000;

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

// --- pipes, processes and signals (limits.h, sys/wait.h, sys/signal.h) ---
/** Pipe writes of at most PIPE_BUF bytes are atomic; a pipe buffers PIPE_SIZE bytes. */
export const PIPE_BUF = 512;
export const PIPE_SIZE = 65536;
/** waitpid(2) option: do not wait. */
export const WNOHANG = 0x00000001;
export const SIGHUP = 1;
export const SIGINT = 2;
export const SIGQUIT = 3;
export const SIGKILL = 9;
export const SIGPIPE = 13;
export const SIGALRM = 14;
export const SIGTERM = 15;
export const SIGSTOP = 17;
export const SIGUSR1 = 30;
export const SIGUSR2 = 31;
/** One past the last signal number. */
export const NSIG = 33;
/** signal(3)'s dispositions: the default (terminate) and ignore. */
export const SIG_DFL = 0;
export const SIG_IGN = 1;
/** Signal names without "SIG", by number (kill -l). */
export const SIGNAL_NAMES: Readonly<Record<number, string>> = {
  1: "HUP",
  2: "INT",
  3: "QUIT",
  9: "KILL",
  13: "PIPE",
  14: "ALRM",
  15: "TERM",
  17: "STOP",
  30: "USR1",
  31: "USR2",
};

/**
 * A time: seconds and nanoseconds (struct timespec).
 *
 * @example
 * ```ts
 * import type { Sys, Timespec } from "@rumpsim/rumpsim";
 * const uptime = (sys: Sys): Timespec => sys.clock_gettime(3); // CLOCK_MONOTONIC
 * ```
 */
export interface Timespec {
  /** Whole seconds. */
  sec: number;
  /** Nanoseconds, 0..999999999. */
  nsec: number;
}

/**
 * A file's attributes (struct stat).
 *
 * @example
 * ```ts
 * import type { Stat, Sys, Wait } from "@rumpsim/rumpsim";
 * const sizeOf = function* (sys: Sys, path: string): Wait<number> {
 *   const st: Stat = yield* sys.stat(path);
 *   return st.size;
 * };
 * ```
 */
export interface Stat {
  /** Device of the file system. */
  dev: number;
  /** Inode number. */
  ino: number;
  /** Type (S_IF*) and permission bits. */
  mode: number;
  /** Number of names. */
  nlink: number;
  /** Owner. */
  uid: number;
  /** Group. */
  gid: number;
  /** The device, for a device file. */
  rdev: number;
  /** Size in bytes. */
  size: number;
  /** Preferred I/O size. */
  blksize: number;
  /** 512-byte blocks allocated. */
  blocks: number;
  /** Last access. */
  atime: Timespec;
  /** Last modification. */
  mtime: Timespec;
  /** Last attribute change. */
  ctime: Timespec;
  /** Creation. */
  birthtime: Timespec;
}

/**
 * A directory entry, as getdents returns them.
 *
 * @example
 * ```ts
 * import type { Dirent, Sys, Wait } from "@rumpsim/rumpsim";
 * const names = function* (sys: Sys, fd: number): Wait<string[]> {
 *   const all: string[] = [];
 *   for (let ents: Dirent[]; (ents = yield* sys.getdents(fd)).length;) {
 *     all.push(...ents.map((e) => e.name));
 *   }
 *   return all;
 * };
 * ```
 */
export interface Dirent {
  /** Inode number. */
  ino: number;
  /** The entry's name. */
  name: string;
  /** DT_* type: 1 fifo, 2 chr, 4 dir, 6 blk, 8 reg, 10 lnk, 12 sock, 0 unknown. */
  type: number;
}

/**
 * A mounted file system's facts (struct statvfs).
 *
 * @example
 * ```ts
 * import type { StatVfs, Sys, Wait } from "@rumpsim/rumpsim";
 * const free = function* (sys: Sys): Wait<number> {
 *   const vfs: StatVfs = yield* sys.statvfs("/");
 *   return vfs.bavail * vfs.bsize;
 * };
 * ```
 */
export interface StatVfs {
  /** File system type, e.g. "tmpfs". */
  fstypename: string;
  /** Mount point. */
  mntonname: string;
  /** What is mounted, e.g. "ld0". */
  mntfromname: string;
  /** Block size. */
  bsize: number;
  /** Blocks in all. */
  blocks: number;
  /** Free blocks. */
  bfree: number;
  /** Free blocks a user may take. */
  bavail: number;
  /** Inodes in all. */
  files: number;
  /** Free inodes. */
  ffree: number;
  /** Mount flags (MNT_RDONLY). */
  flag: number;
}

/**
 * One kevent (NetBSD's struct kevent): a change to make, or an event that happened.
 *
 * ```ts
 * import { EV_ADD, EVFILT_READ, type KEvent } from "./api.ts";
 * const watch: KEvent = { ident: 3, filter: EVFILT_READ, flags: EV_ADD, fflags: 0, data: 0, udata: 3 };
 * ```
 */
export interface KEvent {
  /** The descriptor. */
  ident: number;
  /** EVFILT_READ or EVFILT_WRITE. */
  filter: number;
  /** EV_* flags: what to do (a change), or what happened (an event: EV_EOF, EV_ERROR). */
  flags: number;
  /** Filter flags (none are defined for the read and write filters). */
  fflags: number;
  /** Bytes readable, connections to accept or room to write; the errno of EV_ERROR. */
  data: number;
  /** The caller's own number, returned with each event of the knote. */
  udata: number;
}

/**
 * One descriptor for poll(2).
 *
 * @example
 * ```ts
 * import type { PollFd, Sys, Wait } from "@rumpsim/rumpsim";
 * const readable = function* (sys: Sys, fd: number): Wait<boolean> {
 *   const fds: PollFd[] = [{ fd, events: 0x0001, revents: 0 }]; // POLLIN
 *   return (yield* sys.poll(fds, 0)) > 0;
 * };
 * ```
 */
export interface PollFd {
  /** The descriptor. */
  fd: number;
  /** What to wait for: POLLIN, POLLOUT. */
  events: number;
  /** What happened (set by poll). */
  revents: number;
}

/**
 * An IPv4 socket address: dotted-quad address and port.
 *
 * @example
 * ```ts
 * import type { SockAddrIn } from "@rumpsim/rumpsim";
 * const server: SockAddrIn = { addr: "10.0.0.1", port: 80 };
 * ```
 */
export interface SockAddrIn {
  /** Dotted-quad IPv4 address. */
  addr: string;
  /** Port number. */
  port: number;
}

/**
 * What uname(2) tells (struct utsname).
 *
 * @example
 * ```ts
 * import type { Sys, Utsname } from "@rumpsim/rumpsim";
 * const describe = (sys: Sys): string => {
 *   const u: Utsname = sys.uname();
 *   return `${u.sysname} ${u.release} on ${u.nodename}`;
 * };
 * ```
 */
export interface Utsname {
  /** "NetBSD". */
  sysname: string;
  /** The hostname. */
  nodename: string;
  /** Release, e.g. "10.0". */
  release: string;
  /** Build string. */
  version: string;
  /** Machine type. */
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

/**
 * The system calls.
 *
 * @example
 * ```ts
 * import type { Sys, Wait } from "@rumpsim/rumpsim";
 * const cat = function* (sys: Sys, path: string): Wait<number> {
 *   const fd = yield* sys.open(path, 0); // O_RDONLY
 *   const buf = new Uint8Array(512);
 *   for (let n; (n = yield* sys.read(fd, buf)) > 0;) yield* sys.write(1, buf.subarray(0, n));
 *   yield* sys.close(fd);
 *   return 0;
 * };
 * ```
 */
export interface Sys {
  // --- process ---
  /** This process's id. */
  getpid(): number;
  /** Ends the process with `status`. Does not return. */
  exit(status: number): never;
  /** Runs another app linked into the image as a child and waits for its exit status. */
  spawn(name: string, argv: string[], env?: Record<string, string>): Wait<number>;
  /** Starts a linked app as a child in the background; returns its pid. */
  posix_spawn(name: string, argv: string[], env?: Record<string, string>): number;
  /** Waits for child `pid` (-1: any) and collects it; WNOHANG gives pid 0 if none exited. */
  waitpid(pid: number, options?: number): Wait<{ pid: number; status: number }>;
  /** Posts signal `sig` to process `pid` (0 only checks that it exists). */
  kill(pid: number, sig: number): void;
  /** Sets `sig` to SIG_DFL (terminate) or SIG_IGN; returns the previous disposition. */
  signal(sig: number, action: number): number;
  /** Names of the apps linked into the image. */
  apps(): string[];

  // --- time ---
  /** The time of CLOCK_REALTIME (since 1970) or CLOCK_MONOTONIC (since boot). */
  clock_gettime(clockid: number): Timespec;
  /** Sleeps for `req` (virtual time in a virtual run). */
  nanosleep(req: Timespec): Wait;

  // --- any descriptor ---
  /** Reads up to `buf.length` bytes; 0 at end of file. */
  read(fd: number, buf: Uint8Array): Wait<number>;
  /** Writes `buf`; returns the bytes written. */
  write(fd: number, buf: Uint8Array): Wait<number>;
  /** Reads at `offset` without moving the file offset. */
  pread(fd: number, buf: Uint8Array, offset: number): Wait<number>;
  /** Writes at `offset` without moving the file offset. */
  pwrite(fd: number, buf: Uint8Array, offset: number): Wait<number>;
  /** Moves the file offset (SEEK_SET, SEEK_CUR, SEEK_END); returns the new one. */
  lseek(fd: number, offset: number, whence: number): Wait<number>;
  /** Closes the descriptor. */
  close(fd: number): Wait;
  /** A new descriptor for the same open file, the lowest free. */
  dup(fd: number): number;
  /** Makes descriptor `to` refer to `from`'s open file; returns `to`. */
  dup2(from: number, to: number): Wait<number>;
  /** F_GETFD, F_SETFD, F_GETFL, F_SETFL, F_DUPFD. */
  fcntl(fd: number, cmd: number, arg?: number): number;
  /** Waits until a descriptor is ready or `timeoutMs` passes (-1: no limit); returns the ready count. */
  poll(fds: PollFd[], timeoutMs: number): Wait<number>;
  /** A new kqueue: a persistent set of (descriptor, filter) interests (kern_event.ts). */
  kqueue(): number;
  /**
   * Applies `changes` to kqueue `kq`, then waits until one of its knotes is ready or
   * `timeoutMs` passes (-1: no limit; 0: no wait); returns at most `nevents` events (failed
   * changes first, as EV_ERROR events with the errno in `data`).
   */
  kevent(
    kq: number,
    changes: readonly KEvent[],
    nevents: number,
    timeoutMs: number,
  ): Wait<KEvent[]>;
  /** The open file's attributes. */
  fstat(fd: number): Wait<Stat>;
  /** Writes the file's data and metadata to its device. */
  fsync(fd: number): Wait;
  /** Sets the open file's size. */
  ftruncate(fd: number, length: number): Wait;
  /** Makes a pipe: [read end, write end]. */
  pipe(): [number, number];
  /** pipe(2) with O_NONBLOCK allowed in `flags`. */
  pipe2(flags: number): [number, number];
  /** Reads directory entries; an empty array at the end. */
  getdents(fd: number): Wait<Dirent[]>;

  // --- paths (the VFS) ---
  /** Opens (O_CREAT: creates) a file; returns its descriptor. */
  open(path: string, flags: number, mode?: number): Wait<number>;
  /** A file's attributes, following symbolic links. */
  stat(path: string): Wait<Stat>;
  /** A file's attributes; a symbolic link's own. */
  lstat(path: string): Wait<Stat>;
  /** Makes a directory. */
  mkdir(path: string, mode?: number): Wait;
  /** Removes an empty directory. */
  rmdir(path: string): Wait;
  /** Removes a name of a file. */
  unlink(path: string): Wait;
  /** Renames `from` to `to`, replacing `to`. */
  rename(from: string, to: string): Wait;
  /** Makes `path` another name of `existing`. */
  link(existing: string, path: string): Wait;
  /** Makes `path` a symbolic link to `target`. */
  symlink(target: string, path: string): Wait;
  /** The target of a symbolic link. */
  readlink(path: string): Wait<string>;
  /** Sets a file's size. */
  truncate(path: string, length: number): Wait;
  /** Sets a file's permission bits. */
  chmod(path: string, mode: number): Wait;
  /** Sets a file's access and modification times. */
  utimes(path: string, atime: Timespec, mtime: Timespec): Wait;
  /** Changes the current directory. */
  chdir(path: string): Wait;
  /** The current directory. */
  getcwd(): Wait<string>;
  /** The file system holding `path`: sizes, counts, mount point. */
  statvfs(path: string): Wait<StatVfs>;
  /** Mounted file systems, like getmntinfo(3). */
  getmntinfo(): Wait<StatVfs[]>;
  /** Mounts file system `fstype` on `dir` (MNT_RDONLY in `flags`). */
  mount(fstype: string, dir: string, flags: number, data?: unknown): Wait;
  /** Unmounts the file system on `dir` (MNT_FORCE in `flags`). */
  unmount(dir: string, flags: number): Wait;

  // --- sockets ---
  /** Makes a socket: AF_INET with SOCK_STREAM (TCP), SOCK_DGRAM (UDP) or SOCK_RAW. */
  socket(domain: number, type: number, protocol: number): number;
  /** Gives the socket its local address. */
  bind(fd: number, addr: SockAddrIn): void;
  /** Makes a TCP socket accept connections, `backlog` of them queued. */
  listen(fd: number, backlog: number): void;
  /** Waits for a connection; returns its socket and the peer's address. */
  accept(fd: number): Wait<{ fd: number; addr: SockAddrIn }>;
  /** Connects to `addr` (TCP: waits for the handshake). */
  connect(fd: number, addr: SockAddrIn): Wait;
  /** Sends on a connected socket; returns the bytes taken. */
  send(fd: number, buf: Uint8Array, flags?: number): Wait<number>;
  /** Receives from a connected socket; 0 at the peer's end of stream. */
  recv(fd: number, buf: Uint8Array, flags?: number): Wait<number>;
  /** Sends a datagram to `to`. */
  sendto(fd: number, buf: Uint8Array, flags: number, to: SockAddrIn): Wait<number>;
  /** Receives a datagram and its sender. */
  recvfrom(fd: number, buf: Uint8Array, flags: number): Wait<{ n: number; from: SockAddrIn }>;
  /** Ends sending (SHUT_WR), receiving (SHUT_RD) or both. */
  shutdown(fd: number, how: number): Wait;
  /** The socket's local address. */
  getsockname(fd: number): SockAddrIn;
  /** The connected peer's address. */
  getpeername(fd: number): SockAddrIn;
  /** Sets a socket option (SOL_SOCKET, IPPROTO_TCP, IPPROTO_IP levels). */
  setsockopt(fd: number, level: number, name: number, value: number): void;
  /** A socket option's value. */
  getsockopt(fd: number, level: number, name: number): number;

  // --- system information ---
  /** sysctl(3) by name, read-only: "kern.hostname", "net.inet.tcp.stats", ... */
  sysctl(name: string): unknown;
  /** The system's name, release, version and machine. */
  uname(): Utsname;
  /** getrandom(2): fills `buf` from the kernel's seeded cprng; returns its length. */
  getrandom(buf: Uint8Array, flags?: number): number;
}
