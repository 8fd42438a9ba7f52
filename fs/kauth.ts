/**
 * kauth.ts — credentials and the generic permission check (NetBSD's kauth_cred_t and
 * genfs_can_access).
 *
 * Rules: processes run as root (uid 0) by default, as rumprun's do; root passes every
 * permission check except executing a file with no x bit. The check is real for any other
 * credential: owner bits, then group bits, then other bits, first match decides.
 */
import { EACCES, Errno } from "../kernel/kern/errno.ts";
import { type VAttr, VDIR } from "./vnode.ts";

export interface Cred {
  readonly uid: number;
  readonly gid: number;
  /** Supplementary groups. */
  readonly groups: readonly number[];
}

/** The superuser's credential. */
export const rootCred: Cred = Object.freeze({ uid: 0, gid: 0, groups: [] });

/** Access bits asked for (VREAD, VWRITE, VEXEC; VEXEC on a directory is search). */
export const VREAD = 0o4;
export const VWRITE = 0o2;
export const VEXEC = 0o1;

/** True if `cred` may access a file with attributes `va` for `acc` (VREAD|VWRITE|VEXEC). */
export function canAccess(va: VAttr, acc: number, cred: Cred): boolean {
  if (cred.uid === 0) {
    return (acc & VEXEC) === 0 || va.type === VDIR || (va.mode & 0o111) !== 0;
  }
  let bits: number;
  if (cred.uid === va.uid) bits = (va.mode >> 6) & 7;
  else if (cred.gid === va.gid || cred.groups.includes(va.gid)) bits = (va.mode >> 3) & 7;
  else bits = va.mode & 7;
  return (bits & acc) === acc;
}

/** Throws EACCES unless `cred` may access `va` for `acc`. */
export function checkAccess(va: VAttr, acc: number, cred: Cred, what: string): void {
  if (!canAccess(va, acc, cred)) throw new Errno(EACCES, what);
}
