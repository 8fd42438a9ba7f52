/**
 * errno.ts — NetBSD's error numbers and the Errno every failing syscall throws.
 *
 * Rules: numbers and names are NetBSD's (sys/errno.h); messages are in sentence case,
 * as strerror(3) gives them. A syscall fails by throwing `new Errno(ENOENT, "what")`.
 */

export const EPERM = 1;
export const ENOENT = 2;
export const ESRCH = 3;
export const EINTR = 4;
export const EIO = 5;
export const ENXIO = 6;
export const E2BIG = 7;
export const ENOEXEC = 8;
export const EBADF = 9;
export const ECHILD = 10;
export const EDEADLK = 11;
export const ENOMEM = 12;
export const EACCES = 13;
export const EFAULT = 14;
export const ENOTBLK = 15;
export const EBUSY = 16;
export const EEXIST = 17;
export const EXDEV = 18;
export const ENODEV = 19;
export const ENOTDIR = 20;
export const EISDIR = 21;
export const EINVAL = 22;
export const ENFILE = 23;
export const EMFILE = 24;
export const ENOTTY = 25;
export const ETXTBSY = 26;
export const EFBIG = 27;
export const ENOSPC = 28;
export const ESPIPE = 29;
export const EROFS = 30;
export const EMLINK = 31;
export const EPIPE = 32;
export const EDOM = 33;
export const ERANGE = 34;
export const EAGAIN = 35;
export const EWOULDBLOCK = EAGAIN;
export const EINPROGRESS = 36;
export const EALREADY = 37;
export const ENOTSOCK = 38;
export const EDESTADDRREQ = 39;
export const EMSGSIZE = 40;
export const EPROTOTYPE = 41;
export const ENOPROTOOPT = 42;
export const EPROTONOSUPPORT = 43;
export const ESOCKTNOSUPPORT = 44;
export const EOPNOTSUPP = 45;
export const EPFNOSUPPORT = 46;
export const EAFNOSUPPORT = 47;
export const EADDRINUSE = 48;
export const EADDRNOTAVAIL = 49;
export const ENETDOWN = 50;
export const ENETUNREACH = 51;
export const ENETRESET = 52;
export const ECONNABORTED = 53;
export const ECONNRESET = 54;
export const ENOBUFS = 55;
export const EISCONN = 56;
export const ENOTCONN = 57;
export const ESHUTDOWN = 58;
export const ETOOMANYREFS = 59;
export const ETIMEDOUT = 60;
export const ECONNREFUSED = 61;
export const ELOOP = 62;
export const ENAMETOOLONG = 63;
export const EHOSTDOWN = 64;
export const EHOSTUNREACH = 65;
export const ENOTEMPTY = 66;
export const EDQUOT = 69;
export const ESTALE = 70;
export const ENOLCK = 77;
export const ENOSYS = 78;
export const EFTYPE = 79;
export const EOVERFLOW = 84;
export const EILSEQ = 85;
export const ENOTSUP = 86;
export const ECANCELED = 87;

const TABLE: Record<number, [string, string]> = {
  [EPERM]: ["EPERM", "Operation not permitted"],
  [ENOENT]: ["ENOENT", "No such file or directory"],
  [ESRCH]: ["ESRCH", "No such process"],
  [EINTR]: ["EINTR", "Interrupted system call"],
  [EIO]: ["EIO", "Input/output error"],
  [ENXIO]: ["ENXIO", "Device not configured"],
  [E2BIG]: ["E2BIG", "Argument list too long"],
  [ENOEXEC]: ["ENOEXEC", "Exec format error"],
  [EBADF]: ["EBADF", "Bad file descriptor"],
  [ECHILD]: ["ECHILD", "No child processes"],
  [EDEADLK]: ["EDEADLK", "Resource deadlock avoided"],
  [ENOMEM]: ["ENOMEM", "Cannot allocate memory"],
  [EACCES]: ["EACCES", "Permission denied"],
  [EFAULT]: ["EFAULT", "Bad address"],
  [ENOTBLK]: ["ENOTBLK", "Block device required"],
  [EBUSY]: ["EBUSY", "Device busy"],
  [EEXIST]: ["EEXIST", "File exists"],
  [EXDEV]: ["EXDEV", "Cross-device link"],
  [ENODEV]: ["ENODEV", "Operation not supported by device"],
  [ENOTDIR]: ["ENOTDIR", "Not a directory"],
  [EISDIR]: ["EISDIR", "Is a directory"],
  [EINVAL]: ["EINVAL", "Invalid argument"],
  [ENFILE]: ["ENFILE", "Too many open files in system"],
  [EMFILE]: ["EMFILE", "Too many open files"],
  [ENOTTY]: ["ENOTTY", "Inappropriate ioctl for device"],
  [ETXTBSY]: ["ETXTBSY", "Text file busy"],
  [EFBIG]: ["EFBIG", "File too large"],
  [ENOSPC]: ["ENOSPC", "No space left on device"],
  [ESPIPE]: ["ESPIPE", "Illegal seek"],
  [EROFS]: ["EROFS", "Read-only file system"],
  [EMLINK]: ["EMLINK", "Too many links"],
  [EPIPE]: ["EPIPE", "Broken pipe"],
  [EDOM]: ["EDOM", "Numerical argument out of domain"],
  [ERANGE]: ["ERANGE", "Result too large or too small"],
  [EAGAIN]: ["EAGAIN", "Resource temporarily unavailable"],
  [EINPROGRESS]: ["EINPROGRESS", "Operation now in progress"],
  [EALREADY]: ["EALREADY", "Operation already in progress"],
  [ENOTSOCK]: ["ENOTSOCK", "Socket operation on non-socket"],
  [EDESTADDRREQ]: ["EDESTADDRREQ", "Destination address required"],
  [EMSGSIZE]: ["EMSGSIZE", "Message too long"],
  [EPROTOTYPE]: ["EPROTOTYPE", "Protocol wrong type for socket"],
  [ENOPROTOOPT]: ["ENOPROTOOPT", "Protocol option not available"],
  [EPROTONOSUPPORT]: ["EPROTONOSUPPORT", "Protocol not supported"],
  [ESOCKTNOSUPPORT]: ["ESOCKTNOSUPPORT", "Socket type not supported"],
  [EOPNOTSUPP]: ["EOPNOTSUPP", "Operation not supported"],
  [EPFNOSUPPORT]: ["EPFNOSUPPORT", "Protocol family not supported"],
  [EAFNOSUPPORT]: ["EAFNOSUPPORT", "Address family not supported by protocol family"],
  [EADDRINUSE]: ["EADDRINUSE", "Address already in use"],
  [EADDRNOTAVAIL]: ["EADDRNOTAVAIL", "Can't assign requested address"],
  [ENETDOWN]: ["ENETDOWN", "Network is down"],
  [ENETUNREACH]: ["ENETUNREACH", "Network is unreachable"],
  [ENETRESET]: ["ENETRESET", "Network dropped connection on reset"],
  [ECONNABORTED]: ["ECONNABORTED", "Software caused connection abort"],
  [ECONNRESET]: ["ECONNRESET", "Connection reset by peer"],
  [ENOBUFS]: ["ENOBUFS", "No buffer space available"],
  [EISCONN]: ["EISCONN", "Socket is already connected"],
  [ENOTCONN]: ["ENOTCONN", "Socket is not connected"],
  [ESHUTDOWN]: ["ESHUTDOWN", "Can't send after socket shutdown"],
  [ETOOMANYREFS]: ["ETOOMANYREFS", "Too many references: can't splice"],
  [ETIMEDOUT]: ["ETIMEDOUT", "Connection timed out"],
  [ECONNREFUSED]: ["ECONNREFUSED", "Connection refused"],
  [ELOOP]: ["ELOOP", "Too many levels of symbolic links"],
  [ENAMETOOLONG]: ["ENAMETOOLONG", "File name too long"],
  [EHOSTDOWN]: ["EHOSTDOWN", "Host is down"],
  [EHOSTUNREACH]: ["EHOSTUNREACH", "No route to host"],
  [ENOTEMPTY]: ["ENOTEMPTY", "Directory not empty"],
  [EDQUOT]: ["EDQUOT", "Disc quota exceeded"],
  [ESTALE]: ["ESTALE", "Stale NFS file handle"],
  [ENOLCK]: ["ENOLCK", "No locks available"],
  [ENOSYS]: ["ENOSYS", "Function not implemented"],
  [EFTYPE]: ["EFTYPE", "Inappropriate file type or format"],
  [EOVERFLOW]: ["EOVERFLOW", "Value too large to be stored in data type"],
  [EILSEQ]: ["EILSEQ", "Illegal byte sequence"],
  [ENOTSUP]: ["ENOTSUP", "Not supported"],
  [ECANCELED]: ["ECANCELED", "Operation canceled"],
};

/** The symbolic name of an errno ("ENOENT"), or "E<n>" if unknown. */
export function errnoName(n: number): string {
  return TABLE[n]?.[0] ?? `E${n}`;
}

/** strerror(3). */
export function strerror(n: number): string {
  return TABLE[n]?.[1] ?? `Unknown error: ${n}`;
}

/**
 * A failed syscall: NetBSD's number and name, and a message saying what failed. It carries
 * no JS stack: it is a system call's answer (EAGAIN thousands of times a second under load),
 * not a bug report, and capturing a stack through the fibers' generators is a third of its
 * cost (about 5.7 → 3.9 µs each, 30 generators deep).
 */
export class Errno extends Error {
  readonly errno: number;
  readonly code: string;

  constructor(errno: number, message?: string) {
    const limit = Error.stackTraceLimit;
    Error.stackTraceLimit = 0;
    super(message ? `${message}: ${strerror(errno)}` : strerror(errno));
    Error.stackTraceLimit = limit;
    this.name = "Errno";
    this.errno = errno;
    this.code = errnoName(errno);
  }
}

/** True if `e` is an Errno with number `n`. */
export function isErrno(e: unknown, n?: number): e is Errno {
  return e instanceof Errno && (n === undefined || e.errno === n);
}
