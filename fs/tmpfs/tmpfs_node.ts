/**
 * tmpfs_node.ts — tmpfs nodes and the per-mount state (NetBSD's tmpfs.h: tmpfs_node,
 * tmpfs_dirent, tmpfs_mount).
 *
 * Rules: a node lives while it has links or a vnode; its storage is freed when both are
 * gone. A directory's entries keep insertion order, each with a sequence number that is
 * its readdir cookie (0 and 1 are "." and ".."), so removing entries during a readdir
 * never skips or repeats the others. Directory link counts are 2 plus the subdirectories.
 * Node numbers start at 2 (the root) and are never reused within a mount.
 */
import type { Kernel } from "../../kernel/kern/kernel.ts";
import type { Timespec } from "../../kernel/syscall/api.ts";
import type { Mount } from "../mount.ts";
import { VDIR, type Vnode, VREG, type VType } from "../vnode.ts";
import { TmpfsData } from "./tmpfs_data.ts";

export interface TmpfsDirent {
  node: TmpfsNode;
  /** The readdir cookie of this entry. */
  seq: number;
}

export class TmpfsNode {
  nlink = 0;
  atime: Timespec;
  mtime: Timespec;
  ctime: Timespec;
  birthtime: Timespec;
  /** Directories: entries by name, and the parent (the root's is itself). */
  entries: Map<string, TmpfsDirent> | null = null;
  parent: TmpfsNode | null = null;
  nextSeq = 2;
  /** Regular files: the data pages. */
  data: TmpfsData | null = null;
  /** Symbolic links: the target. */
  target = "";
  /** The vnode while the node has one. */
  vnode: Vnode | null = null;
  /** Storage freed (no links and no vnode). */
  freed = false;

  constructor(
    readonly ino: number,
    readonly type: VType,
    public mode: number,
    public uid: number,
    public gid: number,
    now: Timespec,
  ) {
    this.atime = { ...now };
    this.mtime = { ...now };
    this.ctime = { ...now };
    this.birthtime = { ...now };
    if (type === VDIR) this.entries = new Map();
  }
}

/** One mounted tmpfs. */
export class TmpfsMount {
  /** Bytes of file data in use (whole pages). */
  pagesInUse = 0;
  nodesInUse = 0;
  #nextIno = 2;
  root!: TmpfsNode;

  constructor(
    readonly k: Kernel,
    readonly mp: Mount,
    /** Most pages of file data (the size limit / 4096). */
    readonly maxPages: number,
    readonly maxNodes: number,
  ) {}

  now(): Timespec {
    const t = this.k.walltime();
    const sec = Math.floor(t / 1e9);
    return { sec, nsec: Math.floor(t - sec * 1e9) };
  }

  /** A new node, counted against the node limit; null when the limit is reached. */
  allocNode(type: VType, mode: number, uid: number, gid: number): TmpfsNode | null {
    if (this.nodesInUse >= this.maxNodes) return null;
    this.nodesInUse++;
    const n = new TmpfsNode(this.#nextIno++, type, mode, uid, gid, this.now());
    if (type === VREG) n.data = new TmpfsData(this);
    return n;
  }

  /** Frees a node's storage (its links and vnode are gone). */
  freeNode(n: TmpfsNode): void {
    if (n.freed) return;
    n.freed = true;
    n.data?.truncate(0);
    n.data = null;
    n.entries = null;
    this.nodesInUse--;
  }
}
