/**
 * tmpfs_vnops.ts — the vnode operations of tmpfs (NetBSD's tmpfs_vnops.c).
 *
 * Rules: tmpfs never waits, so its operations are generators only to meet the VnodeOps
 * shape. A node gets a vnode on demand (`tmpfsVget`) and keeps it while the node has links,
 * referenced or not (NetBSD's tmpfs_inactive: recycle only an unlinked node), so a path
 * looked up again finds its vnode; unmount reclaims the cached ones. A node with no links
 * is freed at reclaim (every unlink happens with its vnode referenced, so that comes).
 * Operations in a directory that was removed fail with ENOENT. Times follow POSIX: data
 * changes set mtime and ctime, attribute and link changes set ctime, reads set atime.
 */
// deno-lint-ignore-file require-yield
import { EEXIST, EMLINK, ENOENT, ENOSPC, ENOTEMPTY, Errno } from "../../kernel/kern/errno.ts";
import type { Timespec } from "../../kernel/syscall/api.ts";
import {
  type VAttr,
  type VAttrSet,
  VDIR,
  type VDirBatch,
  VLNK,
  type VNewAttr,
  Vnode,
  type VnodeOps,
  vref,
  VREG,
  type VType,
  vtypeToDt,
  type Wait,
} from "../vnode.ts";
import { utf8Length } from "../namei.ts";
import { TMPFS_PAGE } from "./tmpfs_data.ts";
import type { TmpfsMount, TmpfsNode } from "./tmpfs_node.ts";

/** Most links a node may have (LINK_MAX). */
export const TMPFS_LINK_MAX = 32767;

function node(vp: Vnode): TmpfsNode {
  return vp.data as TmpfsNode;
}
function tmOf(vp: Vnode): TmpfsMount {
  return vp.mount.data as TmpfsMount;
}

/** The vnode of `n`, referenced (made if it has none). */
export function tmpfsVget(tm: TmpfsMount, n: TmpfsNode): Vnode {
  if (n.vnode) return vref(n.vnode);
  n.vnode = new Vnode(tm.mp, n.type, tmpfsVnodeOps, n);
  return n.vnode;
}

function liveDir(dvp: Vnode): TmpfsNode {
  const d = node(dvp);
  if (d.nlink === 0 || !d.entries) throw new Errno(ENOENT, "the directory was removed");
  return d;
}

function touch(n: TmpfsNode, now: Timespec, m: boolean): void {
  n.ctime = { ...now };
  if (m) n.mtime = { ...now };
}

function addEntry(d: TmpfsNode, name: string, n: TmpfsNode): void {
  d.entries!.set(name, { node: n, seq: d.nextSeq++ });
}

/** Makes a node of `type` named `name` in `dvp`. */
function makeNode(dvp: Vnode, name: string, type: VType, va: VNewAttr): TmpfsNode {
  const tm = tmOf(dvp);
  const d = liveDir(dvp);
  if (d.entries!.has(name)) throw new Errno(EEXIST, name);
  if (type === VDIR && d.nlink >= TMPFS_LINK_MAX) throw new Errno(EMLINK, name);
  const n = tm.allocNode(type, va.mode, va.uid, va.gid);
  if (!n) throw new Errno(ENOSPC, "tmpfs has no free nodes");
  n.nlink = 1;
  if (type === VDIR) {
    n.nlink = 2;
    n.parent = d;
    d.nlink++;
  }
  addEntry(d, name, n);
  touch(d, n.ctime, true);
  return n;
}

/** Drops one link of `n`. */
function unlinkNode(tm: TmpfsMount, n: TmpfsNode, now: Timespec): void {
  n.nlink = n.type === VDIR ? 0 : n.nlink - 1;
  n.ctime = { ...now };
  if (n.nlink === 0 && !n.vnode) tm.freeNode(n);
}

export const tmpfsVnodeOps: VnodeOps = {
  *lookup(dvp: Vnode, name: string): Wait<Vnode> {
    const d = liveDir(dvp);
    if (name === "..") return tmpfsVget(tmOf(dvp), d.parent ?? d);
    const e = d.entries!.get(name);
    if (!e) throw new Errno(ENOENT, name);
    return tmpfsVget(tmOf(dvp), e.node);
  },

  *create(dvp: Vnode, name: string, va: VNewAttr): Wait<Vnode> {
    return tmpfsVget(tmOf(dvp), makeNode(dvp, name, VREG, va));
  },

  *mkdir(dvp: Vnode, name: string, va: VNewAttr): Wait<Vnode> {
    return tmpfsVget(tmOf(dvp), makeNode(dvp, name, VDIR, va));
  },

  *symlink(dvp: Vnode, name: string, va: VNewAttr, target: string): Wait<Vnode> {
    const n = makeNode(dvp, name, VLNK, va);
    n.target = target;
    return tmpfsVget(tmOf(dvp), n);
  },

  *link(dvp: Vnode, name: string, vp: Vnode): Wait {
    const d = liveDir(dvp);
    const n = node(vp);
    if (d.entries!.has(name)) throw new Errno(EEXIST, name);
    if (n.nlink === 0) throw new Errno(ENOENT, "the file was removed");
    if (n.nlink >= TMPFS_LINK_MAX) throw new Errno(EMLINK, name);
    n.nlink++;
    addEntry(d, name, n);
    const now = tmOf(dvp).now();
    touch(d, now, true);
    n.ctime = { ...now };
  },

  *remove(dvp: Vnode, name: string, _vp: Vnode): Wait {
    const d = liveDir(dvp);
    const e = d.entries!.get(name);
    if (!e) throw new Errno(ENOENT, name);
    d.entries!.delete(name);
    const now = tmOf(dvp).now();
    touch(d, now, true);
    unlinkNode(tmOf(dvp), e.node, now);
  },

  *rmdir(dvp: Vnode, name: string, vp: Vnode): Wait {
    const d = liveDir(dvp);
    const n = node(vp);
    if (n.entries && n.entries.size > 0) throw new Errno(ENOTEMPTY, name);
    d.entries!.delete(name);
    d.nlink--;
    const now = tmOf(dvp).now();
    touch(d, now, true);
    unlinkNode(tmOf(dvp), n, now);
  },

  *rename(fdvp, fname, fvp, tdvp, tname, tvp): Wait {
    const tm = tmOf(fdvp);
    const fd = liveDir(fdvp);
    const td = liveDir(tdvp);
    const n = node(fvp);
    const now = tm.now();
    if (tvp) {
      const t = node(tvp);
      if (t.entries && t.entries.size > 0) throw new Errno(ENOTEMPTY, tname);
      td.entries!.delete(tname);
      if (t.type === VDIR) td.nlink--;
      unlinkNode(tm, t, now);
    }
    fd.entries!.delete(fname);
    addEntry(td, tname, n);
    if (n.type === VDIR && fd !== td) {
      n.parent = td;
      fd.nlink--;
      td.nlink++;
    }
    touch(fd, now, true);
    touch(td, now, true);
    n.ctime = { ...now };
  },

  *readlink(vp: Vnode): Wait<string> {
    const n = node(vp);
    n.atime = tmOf(vp).now();
    return n.target;
  },

  *read(vp: Vnode, buf: Uint8Array, off: number): Wait<number> {
    const n = node(vp);
    const r = n.data!.read(buf, off);
    n.atime = tmOf(vp).now();
    return r;
  },

  *write(vp: Vnode, buf: Uint8Array, off: number): Wait<number> {
    const n = node(vp);
    const w = n.data!.write(buf, off);
    if (w > 0) touch(n, tmOf(vp).now(), true);
    return w;
  },

  *getattr(vp: Vnode): Wait<VAttr> {
    const n = node(vp);
    let size = 0;
    let bytes = 0;
    if (n.data) {
      size = n.data.size;
      bytes = n.data.pageCount * TMPFS_PAGE;
    } else if (n.entries) size = (n.entries.size + 2) * 16;
    else if (n.type === VLNK) size = utf8Length(n.target);
    return {
      type: n.type,
      mode: n.mode,
      nlink: n.nlink,
      uid: n.uid,
      gid: n.gid,
      fileid: n.ino,
      size,
      blocksize: TMPFS_PAGE,
      bytes,
      atime: { ...n.atime },
      mtime: { ...n.mtime },
      ctime: { ...n.ctime },
      birthtime: { ...n.birthtime },
      rdev: 0,
    };
  },

  *setattr(vp: Vnode, va: VAttrSet): Wait {
    const n = node(vp);
    if (va.mode !== undefined) n.mode = va.mode & 0o7777;
    if (va.uid !== undefined) n.uid = va.uid;
    if (va.gid !== undefined) n.gid = va.gid;
    if (va.atime) n.atime = { ...va.atime };
    if (va.mtime) n.mtime = { ...va.mtime };
    n.ctime = tmOf(vp).now();
  },

  *truncate(vp: Vnode, length: number): Wait {
    const n = node(vp);
    n.data!.truncate(length);
    touch(n, tmOf(vp).now(), true);
  },

  *readdir(vp: Vnode, off: number, max: number): Wait<VDirBatch> {
    const d = node(vp);
    const entries: VDirBatch["entries"] = [];
    let next = off;
    if (!d.entries) return { entries, next };
    if (next === 0 && entries.length < max) {
      entries.push({ ino: d.ino, name: ".", type: vtypeToDt(VDIR) });
      next = 1;
    }
    if (next === 1 && entries.length < max) {
      entries.push({ ino: (d.parent ?? d).ino, name: "..", type: vtypeToDt(VDIR) });
      next = 2;
    }
    for (const [name, e] of d.entries) {
      if (entries.length >= max) break;
      if (e.seq < next) continue;
      entries.push({ ino: e.node.ino, name, type: vtypeToDt(e.node.type) });
      next = e.seq + 1;
    }
    d.atime = tmOf(vp).now();
    return { entries, next };
  },

  *fsync(): Wait {},

  *inactive(vp: Vnode): Wait<boolean> {
    return node(vp).nlink === 0;
  },

  *reclaim(vp: Vnode): Wait {
    const n = node(vp);
    if (n.vnode === vp) n.vnode = null;
    if (n.nlink === 0) tmOf(vp).freeNode(n);
  },
};
