/**
 * wasi_errno_test.ts — the one boundary's tables: every NetBSD errno has a WASI errno
 * (the same name where WASI has one), and the flag translations of path_open, filetypes
 * and socket options give NetBSD's numbers.
 */
import assert from "node:assert/strict";
import * as api from "../../kernel/syscall/api.ts";
import { errno as E, errnoName } from "../../kernel/syscall/api.ts";
import { NETBSD_TO_WASI, toWasiErrno, WASI } from "../../wasm/wasi_errno.ts";
import { FILETYPE, filetypeOfDirent, filetypeOfMode, openFlags } from "../../wasm/wasi.ts";
import { C, msgFlagsToNetbsd, sockoptToNetbsd } from "../../wasm/rumpsim_imports.ts";

const netbsdNumbers = () => [
  ...new Set(
    Object.entries(E).filter(([k, v]) => /^E[A-Z0-9]+$/.test(k) && typeof v === "number")
      .map(([, v]) => v as number),
  ),
];

Deno.test("every NetBSD errno has a WASI errno, the same name wherever WASI has it", () => {
  const wasiByName = WASI as Record<string, number>;
  for (const n of netbsdNumbers()) {
    assert.ok(NETBSD_TO_WASI.has(n), `NetBSD errno ${n} (${errnoName(n)}) has no entry`);
    const name = errnoName(n);
    if (name in wasiByName) assert.equal(toWasiErrno(n), wasiByName[name], name);
  }
  assert.equal(NETBSD_TO_WASI.size, netbsdNumbers().length);
});

Deno.test("the errno fixtures: numbers differ on each side and the nearest is chosen where WASI lacks one", () => {
  // NetBSD number -> WASI number, as wasi-libc's errno.h gives them.
  const fixtures: Array<[number, number]> = [
    [1, 63], // EPERM
    [2, 44], // ENOENT
    [9, 8], // EBADF
    [12, 48], // ENOMEM
    [17, 20], // EEXIST
    [22, 28], // EINVAL
    [35, 6], // EAGAIN
    [36, 26], // EINPROGRESS
    [45, 58], // EOPNOTSUPP -> ENOTSUP
    [54, 15], // ECONNRESET
    [58, 64], // ESHUTDOWN -> EPIPE
    [61, 14], // ECONNREFUSED
    [64, 23], // EHOSTDOWN -> EHOSTUNREACH
    [66, 55], // ENOTEMPTY
    [79, 28], // EFTYPE -> EINVAL
    [86, 58], // ENOTSUP
  ];
  for (const [n, w] of fixtures) assert.equal(toWasiErrno(n), w, `NetBSD ${n}`);
  assert.equal(toWasiErrno(9999), WASI.EIO);
});

Deno.test("path_open's oflags, fdflags, lookupflags and rights become NetBSD's open(2) flags", () => {
  const READ = 1n << 1n, WRITE = 1n << 6n, READDIR = 1n << 14n;
  assert.equal(openFlags(0, 0, 1, READ), api.O_RDONLY);
  assert.equal(openFlags(0, 0, 1, WRITE), api.O_WRONLY);
  assert.equal(openFlags(0, 0, 1, READ | WRITE), api.O_RDWR);
  assert.equal(
    openFlags(1 | 4 | 8, 1, 1, WRITE),
    api.O_WRONLY | api.O_CREAT | api.O_EXCL | api.O_TRUNC | api.O_APPEND,
  );
  assert.equal(openFlags(2, 0, 1, READDIR), api.O_RDONLY | api.O_DIRECTORY);
  assert.equal(openFlags(0, 4, 0, READ), api.O_RDONLY | api.O_NONBLOCK | api.O_NOFOLLOW);
  assert.equal(api.O_CREAT, 0x200); // the numbers really differ from WASI's (CREAT 1)
});

Deno.test("stat modes and dirent types become WASI filetypes", () => {
  assert.equal(filetypeOfMode(api.S_IFREG | 0o644), FILETYPE.REGULAR_FILE);
  assert.equal(filetypeOfMode(api.S_IFDIR | 0o755), FILETYPE.DIRECTORY);
  assert.equal(filetypeOfMode(api.S_IFCHR | 0o620), FILETYPE.CHARACTER_DEVICE);
  assert.equal(filetypeOfMode(api.S_IFLNK | 0o777), FILETYPE.SYMBOLIC_LINK);
  assert.equal(filetypeOfMode(api.S_IFIFO | 0o600), FILETYPE.UNKNOWN);
  assert.deepEqual([1, 2, 4, 6, 8, 10, 12, 0].map(filetypeOfDirent), [0, 2, 3, 1, 4, 7, 6, 0]);
});

Deno.test("the overlay's socket options and MSG flags become NetBSD's; unknown ones are refused", () => {
  assert.deepEqual(sockoptToNetbsd(C.SOL_SOCKET, C.SO_REUSEADDR), [
    api.SOL_SOCKET,
    api.SO_REUSEADDR,
  ]);
  assert.deepEqual(sockoptToNetbsd(C.SOL_SOCKET, C.SO_ERROR), [0xffff, 0x1007]);
  assert.deepEqual(sockoptToNetbsd(C.SOL_SOCKET, C.SO_LINGER), [0xffff, 0x0080]);
  assert.deepEqual(sockoptToNetbsd(6, 1), [api.IPPROTO_TCP, api.TCP_NODELAY]);
  assert.deepEqual(sockoptToNetbsd(0, C.IP_TTL), [0, api.IP_TTL]);
  assert.equal(sockoptToNetbsd(C.SOL_SOCKET, 999), null);
  assert.equal(sockoptToNetbsd(api.SOL_SOCKET, api.SO_REUSEADDR), null); // NetBSD's level is not the program's
  assert.equal(msgFlagsToNetbsd(C.MSG_PEEK | C.MSG_DONTWAIT), api.MSG_PEEK | api.MSG_DONTWAIT);
  assert.equal(msgFlagsToNetbsd(C.MSG_NOSIGNAL), api.MSG_NOSIGNAL);
  assert.throws(() => msgFlagsToNetbsd(0x100), (e: unknown) => api.isErrno(e, E.EINVAL));
});
