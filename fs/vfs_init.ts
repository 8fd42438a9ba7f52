/**
 * vfs_init.ts — the VFS faction's rump components: `rumpvfs` (the VFS itself: the mount
 * table, the file-system type registry, the root file system, the path syscalls) and the
 * file systems that mount themselves, `rumpfs_kernfs` (/kern) and `rumpfs_tmpfs` (/tmp).
 *
 * Rules: `rumpvfs` runs first of the VFS components (the others require it); it mounts a
 * tmpfs as the root unless told another type, registers `sysent(k).vfs` and
 * `k.blkconfig` (rumprun's mount of an image's block device, with the BlkConfig as the
 * mount's data). A component that mounts on a directory makes it first if it is missing.
 * Every kernel has its own VFS state (`vfsOf(k)`); nothing here is global.
 */
import { EEXIST, Errno } from "../kernel/kern/errno.ts";
import type { RumpComponent } from "../kernel/kern/component.ts";
import type { BlkConfig } from "../kernel/kern/image_config.ts";
import type { Kernel } from "../kernel/kern/kernel.ts";
import { MNT_RDONLY } from "../kernel/syscall/api.ts";
import { type ProcRef, sysent } from "../kernel/syscall/systab.ts";
import { kernfsType } from "./kernfs/kernfs.ts";
import type { VfsType } from "./mount.ts";
import { tmpfsType } from "./tmpfs/tmpfs_vfsops.ts";
import { MountTable } from "./vfs_mount.ts";
import { VfsSyscallsImpl } from "./vfs_syscalls.ts";
import type { Wait } from "./vnode.ts";

/** One kernel's VFS. */
export interface Vfs {
  readonly mounts: MountTable;
  readonly syscalls: VfsSyscallsImpl;
  /** The kernel's own process for its path calls (cwd "/", umask 0). */
  readonly kproc: ProcRef;
}

const vfsByKernel = new WeakMap<Kernel, Vfs>();

/** The VFS of kernel `k`; throws if `rumpvfs` has not initialised in it. */
export function vfsOf(k: Kernel): Vfs {
  const v = vfsByKernel.get(k);
  if (!v) throw new Error("vfs: the rumpvfs component is not initialised in this kernel");
  return v;
}

/** Registers a file-system type with `k`'s VFS (what a file system component does). */
export function registerFsType(k: Kernel, t: VfsType): void {
  vfsOf(k).mounts.registerType(t);
}

export interface VfsOptions {
  /** The root file system's type (default "tmpfs") and mount data. */
  rootFstype?: string;
  rootData?: unknown;
  rootFlags?: number;
}

/** Brings the VFS up in `k`: types, the root mount, the syscalls. */
export function* vfsInit(k: Kernel, opts: VfsOptions = {}): Wait<Vfs> {
  const mounts = new MountTable(k);
  mounts.registerType(tmpfsType);
  mounts.registerType(kernfsType);
  const rootData = opts.rootData ??
    ((opts.rootFstype ?? "tmpfs") === "tmpfs"
      ? { size: Math.max(1 << 20, Math.floor(k.mem.length / 4)), mode: 0o755 }
      : undefined);
  yield* mounts.mountRoot(opts.rootFstype ?? "tmpfs", opts.rootFlags ?? 0, rootData);
  const syscalls = new VfsSyscallsImpl(k, mounts);
  const kproc: ProcRef = { pid: 0, name: "kernel", cwd: null, umask: 0 };
  syscalls.procInit(kproc, null);
  const vfs: Vfs = { mounts, syscalls, kproc };
  vfsByKernel.set(k, vfs);
  sysent(k).vfs = syscalls;
  k.blkconfig = (c: BlkConfig) => mountAt(k, c.fstype, c.path, c.readonly ? MNT_RDONLY : 0, c);
  return vfs;
}

/** Makes directory `path` (and its parents) if missing, as the kernel. */
export function* mkdirp(k: Kernel, path: string, mode = 0o755): Wait {
  const { syscalls, kproc } = vfsOf(k);
  let at = "";
  for (const part of path.split("/").filter((s) => s !== "")) {
    at += "/" + part;
    try {
      yield* syscalls.mkdir(kproc, at, mode);
    } catch (e) {
      if (!(e instanceof Errno && e.errno === EEXIST)) throw e;
    }
  }
}

/** Mounts `fstype` on `path` (made if missing), as the kernel. */
export function* mountAt(
  k: Kernel,
  fstype: string,
  path: string,
  flags: number,
  data: unknown,
): Wait {
  const { syscalls, kproc } = vfsOf(k);
  yield* mkdirp(k, path);
  yield* syscalls.mount(kproc, fstype, path, flags, data);
}

/** The VFS component with options (another root file system type). */
export function vfsComponent(opts: VfsOptions = {}): RumpComponent {
  return {
    name: "rumpvfs",
    type: "VFS",
    *init(k: Kernel) {
      yield* vfsInit(k, opts);
    },
  };
}

/** The VFS with a tmpfs root (librumpvfs). */
export const rumpvfs: RumpComponent = vfsComponent();

/** kernfs mounted at /kern (librumpfs_kernfs). */
export const rumpfs_kernfs: RumpComponent = {
  name: "rumpfs_kernfs",
  type: "VFS",
  requires: ["rumpvfs"],
  *init(k: Kernel) {
    registerFsType(k, kernfsType);
    yield* mountAt(k, "kernfs", "/kern", 0, null);
  },
};

/** A 1 MiB tmpfs mounted at /tmp, mode 01777 (librumpfs_tmpfs, as rumprun mounts it). */
export const rumpfs_tmpfs: RumpComponent = {
  name: "rumpfs_tmpfs",
  type: "VFS",
  requires: ["rumpvfs"],
  *init(k: Kernel) {
    registerFsType(k, tmpfsType);
    yield* mountAt(k, "tmpfs", "/tmp", 0, { size: 1 << 20, mode: 0o1777 });
  },
};
