/**
 * cookfs.ts — the root tree baked into an image (rumprun's cookfs): the `rumpfs_cookfs`
 * component unpacks the boot module "root.tar" (a POSIX ustar archive, fs/archive) into
 * the root file system.
 *
 * Rules: the archive is verified whole before anything is made, so a corrupt archive
 * changes nothing: it gets one clear line on the console and the boot goes on with the
 * root as it was. Entries are made as the kernel (root): directories first as they come
 * (a missing parent is made 0755), files with their bytes, symbolic links with their
 * target; then each made entry gets the archive's mode, uid, gid and mtime, deepest path
 * first so that making a child does not move its directory's mtime after it was set. An
 * entry that names something already there (the root ".", a mount point such as /tmp) is
 * left as it is; an entry the file system refuses is reported and skipped.
 */
import type { RumpComponent } from "../kernel/kern/component.ts";
import { EEXIST, Errno } from "../kernel/kern/errno.ts";
import type { Kernel } from "../kernel/kern/kernel.ts";
import { O_CREAT, O_EXCL, O_WRONLY } from "../kernel/syscall/api.ts";
import { fileRelease } from "../kernel/syscall/fdtable.ts";
import { unpackUstar, type UstarEntry } from "./archive/ustar.ts";
import { lookupVnode } from "./namei.ts";
import { mkdirp, vfsOf } from "./vfs_init.ts";
import { vrele, type Wait } from "./vnode.ts";

/** The boot module that carries the root tree. */
export const ROOT_MODULE = "root.tar";

/** What an unpack did: entries made, and the ones skipped with why. */
export interface CookfsResult {
  made: number;
  skipped: { path: string; why: string }[];
}

/**
 * Unpacks the ustar archive `bytes` into `k`'s root file system. Throws an Error (and
 * makes nothing) when the archive is malformed.
 */
export function* cookfsUnpack(k: Kernel, bytes: Uint8Array): Wait<CookfsResult> {
  const entries = unpackUstar(bytes);
  const { syscalls, kproc } = vfsOf(k);
  const made: UstarEntry[] = [];
  const skipped: CookfsResult["skipped"] = [];
  for (const e of entries) {
    if (e.path === ".") continue; // the root itself stays as the root file system made it
    const path = "/" + e.path;
    try {
      const parent = path.slice(0, path.lastIndexOf("/"));
      if (parent) yield* mkdirp(k, parent);
      if (e.type === "dir") {
        yield* syscalls.mkdir(kproc, path, 0o700);
      } else if (e.type === "symlink") {
        yield* syscalls.symlink(kproc, e.linkname!, path);
      } else {
        const fp = yield* syscalls.open(kproc, path, O_WRONLY | O_CREAT | O_EXCL, 0o600);
        try {
          const data = e.data ?? new Uint8Array(0);
          for (let off = 0; off < data.length;) {
            off += yield* fp.ops.write(fp, data.subarray(off));
          }
        } finally {
          yield* fileRelease(fp);
        }
      }
      made.push(e);
    } catch (err) {
      if (err instanceof Errno && err.errno === EEXIST) continue;
      if (!(err instanceof Errno)) throw err;
      skipped.push({ path, why: err.message });
    }
  }
  // Attributes last, deepest first: a directory's mtime is set after its children are made.
  const ctx = syscalls.ctx(kproc);
  const byDepth = [...made].sort((a, b) => depth(b.path) - depth(a.path));
  for (const e of byDepth) {
    const vp = yield* lookupVnode(ctx, "/" + e.path, false);
    try {
      const t = { sec: e.mtimeSec, nsec: 0 };
      yield* vp.ops.setattr(vp, {
        mode: e.mode & 0o7777,
        uid: e.uid ?? 0,
        gid: e.gid ?? 0,
        atime: t,
        mtime: t,
      });
    } finally {
      yield* vrele(vp);
    }
  }
  return { made: made.length, skipped };
}

function depth(path: string): number {
  return path.split("/").length;
}

/** Unpacks the "root.tar" boot module, if there is one, into the root (librumpfs_cookfs). */
export const rumpfs_cookfs: RumpComponent = {
  name: "rumpfs_cookfs",
  type: "KERN_VFS",
  requires: ["rumpvfs"],
  *init(k: Kernel) {
    const mod = k.bootModules.find((m) => m.name === ROOT_MODULE);
    if (!mod) return;
    let r: CookfsResult;
    try {
      r = yield* cookfsUnpack(k, mod.data);
    } catch (e) {
      if (e instanceof Errno || !(e instanceof Error) || !e.message.startsWith("ustar:")) throw e;
      k.printf(`cookfs: ${ROOT_MODULE} is not a valid archive (${e.message}); root left empty\n`);
      return;
    }
    for (const s of r.skipped) k.printf(`cookfs: ${s.path}: ${s.why}; skipped\n`);
    k.printf(`cookfs: ${r.made} entries unpacked from ${ROOT_MODULE} into /\n`);
  },
};
