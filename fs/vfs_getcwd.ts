/**
 * vfs_getcwd.ts — the path of a directory, found by walking ".." to the root (NetBSD's
 * vfs_getcwd.c without the name cache).
 *
 * Rules: at each step the directory's own name is found by reading its parent and
 * matching the inode number; a mount root is left through the directory it covers first,
 * so the name found is the mount point's. A directory that was removed (or whose name
 * cannot be found) gives ENOENT.
 */
import { ENAMETOOLONG, ENOENT, Errno } from "../kernel/kern/errno.ts";
import { lookupDotDot, type NameiCtx, utf8Length } from "./namei.ts";
import { MAXPATHLEN, type Vnode, vref, vrele, type Wait } from "./vnode.ts";

/** Finds the name under which directory `dvp` holds inode `ino`. */
function* nameOf(dvp: Vnode, ino: number): Wait<string> {
  let off = 0;
  for (;;) {
    const batch = yield* dvp.ops.readdir(dvp, off, 64);
    if (batch.entries.length === 0) break;
    for (const e of batch.entries) {
      if (e.ino === ino && e.name !== "." && e.name !== "..") return e.name;
    }
    off = batch.next;
  }
  throw new Errno(ENOENT, "the directory is no longer in its parent");
}

/** The absolute path of directory `vp` as seen from `ctx.root`. */
export function* vnodePath(ctx: NameiCtx, vp: Vnode): Wait<string> {
  const parts: string[] = [];
  let len = 0;
  let cur = vref(vp);
  try {
    for (;;) {
      while (cur !== ctx.root && cur.isRoot && cur.mount.covered) {
        const c = vref(cur.mount.covered);
        yield* vrele(cur);
        cur = c;
      }
      if (cur === ctx.root || (cur.isRoot && !cur.mount.covered)) break;
      const va = yield* cur.ops.getattr(cur);
      if (va.nlink === 0) throw new Errno(ENOENT, "the directory was removed");
      const parent = yield* lookupDotDot(ctx, cur);
      let name: string;
      try {
        name = yield* nameOf(parent, va.fileid);
      } catch (e) {
        yield* vrele(parent);
        throw e;
      }
      yield* vrele(cur);
      cur = parent;
      parts.push(name);
      len += utf8Length(name) + 1;
      if (len >= MAXPATHLEN) throw new Errno(ENAMETOOLONG, "the path is too long");
    }
  } finally {
    yield* vrele(cur);
  }
  return "/" + parts.reverse().join("/");
}
