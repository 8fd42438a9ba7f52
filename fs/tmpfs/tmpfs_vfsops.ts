/**
 * tmpfs_vfsops.ts — the tmpfs file-system type: mounting, statvfs, unmounting (NetBSD's
 * tmpfs_vfsops.c).
 *
 * Rules: options are `{ size, mode, uid, gid, nodes }`, all optional: `size` is the limit
 * on file data in bytes (a number or "1M"; default 1 MiB, as rumprun's /tmp), rounded up
 * to whole pages; `nodes` the most files (default one per 512 bytes of size, at least 64);
 * `mode` the root directory's permissions (default 01777, like /tmp). Unmounting frees
 * every page.
 */
import { EINVAL, Errno } from "../../kernel/kern/errno.ts";
import { type Kernel, parseSize } from "../../kernel/kern/kernel.ts";
import type { FsStat, Mount, VfsOps, VfsType } from "../mount.ts";
import { VDIR, type Vnode, type Wait } from "../vnode.ts";
import { TMPFS_PAGE } from "./tmpfs_data.ts";
import { TmpfsMount, type TmpfsNode } from "./tmpfs_node.ts";
import { tmpfsVget } from "./tmpfs_vnops.ts";

export interface TmpfsArgs {
  size?: number | string;
  nodes?: number;
  mode?: number;
  uid?: number;
  gid?: number;
}

export const TMPFS_DEFAULT_SIZE = 1024 * 1024;

function parseArgs(data: unknown): Required<TmpfsArgs> & { size: number } {
  const a = (data ?? {}) as TmpfsArgs;
  if (typeof a !== "object") throw new Errno(EINVAL, "tmpfs options must be an object");
  let size = TMPFS_DEFAULT_SIZE;
  if (a.size !== undefined) {
    try {
      size = typeof a.size === "number" ? a.size : parseSize(a.size);
    } catch {
      throw new Errno(EINVAL, `bad tmpfs size "${a.size}"`);
    }
  }
  if (!Number.isSafeInteger(size) || size < TMPFS_PAGE) {
    throw new Errno(EINVAL, `bad tmpfs size ${a.size}`);
  }
  const nodes = a.nodes ?? Math.max(64, Math.floor(size / 512));
  if (!Number.isSafeInteger(nodes) || nodes < 1) throw new Errno(EINVAL, "bad tmpfs nodes");
  return { size, nodes, mode: (a.mode ?? 0o1777) & 0o7777, uid: a.uid ?? 0, gid: a.gid ?? 0 };
}

const tmpfsVfsOps: VfsOps = {
  // deno-lint-ignore require-yield
  *root(mp: Mount): Wait<Vnode> {
    const tm = mp.data as TmpfsMount;
    return tmpfsVget(tm, tm.root);
  },
  // deno-lint-ignore require-yield
  *statvfs(mp: Mount): Wait<FsStat> {
    const tm = mp.data as TmpfsMount;
    return {
      bsize: TMPFS_PAGE,
      blocks: tm.maxPages,
      bfree: tm.maxPages - tm.pagesInUse,
      bavail: tm.maxPages - tm.pagesInUse,
      files: tm.maxNodes,
      ffree: tm.maxNodes - tm.nodesInUse,
    };
  },
  *sync() {},
  // deno-lint-ignore require-yield
  *unmount(mp: Mount): Wait {
    const tm = mp.data as TmpfsMount;
    const free = (n: TmpfsNode) => {
      if (n.entries) { for (const e of n.entries.values()) if (e.node !== n) free(e.node); }
      tm.freeNode(n);
    };
    free(tm.root);
    mp.data = null;
  },
};

export const tmpfsType: VfsType = {
  name: "tmpfs",
  // deno-lint-ignore require-yield
  *mount(k: Kernel, mp: Mount, data: unknown): Wait<VfsOps> {
    const a = parseArgs(data);
    const tm = new TmpfsMount(k, mp, Math.ceil(a.size / TMPFS_PAGE), a.nodes);
    const root = tm.allocNode(VDIR, a.mode, a.uid, a.gid)!;
    root.nlink = 2;
    tm.root = root;
    mp.data = tm;
    mp.fromName = "tmpfs";
    return tmpfsVfsOps;
  },
};
