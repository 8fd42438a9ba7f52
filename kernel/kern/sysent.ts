/**
 * sysent.ts — the kernel's table of the system calls a faction contributes (NetBSD's
 * sysent, the entries a module establishes with syscall_establish): one slot per
 * faction, `vfs` (fs/: the calls on paths) and `net` (net/: the socket calls), null until
 * that faction's component fills it at init.
 *
 * Rules: the base names no syscall type: a slot holds an object, and the syscall layer's
 * `sysent(k)` (syscall/systab.ts) is the one typed view of the table, through which the
 * faction that fills a slot and the callers that use it agree on one type while kern/
 * imports nothing above it. Every kernel has its
 * own table (`Kernel.syscalls`); an image without a faction leaves its slot null and the
 * syscall layer answers those calls itself (ENOSYS, EAFNOSUPPORT).
 */

/**
 * The faction-provided parts of the syscall table, filled in by component init. The base
 * holds them as objects; `sysent(k)` in syscall/systab.ts is the typed view.
 */
export class SyscallTable {
  vfs: object | null = null;
  net: object | null = null;
}
