/**
 * sysent.ts — the kernel's table of the system calls a faction contributes (NetBSD's
 * sysent, the entries a module establishes with syscall_establish): one slot per
 * faction, `vfs` (fs/: the calls on paths) and `net` (net/: the socket calls), null until
 * that faction's component fills it at init.
 *
 * Rules: the base names no syscall type. A slot's type here is an empty interface; the
 * syscall layer gives it its calls by adding to that interface (syscall/systab.ts, a
 * module augmentation), so a faction that fills a slot and the syscall layer that calls
 * through it agree on one type while kern/ imports nothing above it. Every kernel has its
 * own table (`Kernel.syscalls`); an image without a faction leaves its slot null and the
 * syscall layer answers those calls itself (ENOSYS, EAFNOSUPPORT).
 */

/** The VFS faction's calls; their members are declared by syscall/systab.ts. */
// deno-lint-ignore no-empty-interface
export interface VfsSyscallSlot {}

/** The NET faction's calls; their members are declared by syscall/systab.ts. */
// deno-lint-ignore no-empty-interface
export interface SocketSyscallSlot {}

/** The faction-provided parts of the syscall table, filled in by component init. */
export class SyscallTable {
  vfs: VfsSyscallSlot | null = null;
  net: SocketSyscallSlot | null = null;
}
