/**
 * fs/ext2 — a read-write ext2 (revision 0 and 1, 1–4 KiB blocks) over a BlockDevice.
 * Entry point: `Ext2Volume.mount(dev, { now })`.
 */
export {
  type Ext2Attrs,
  type Ext2Dirent,
  type Ext2FileKind,
  type Ext2NewOpts,
  type Ext2Stat,
  type Ext2Statfs,
  Ext2Volume,
  kindOfMode,
  type MountOptions,
} from "./volume.ts";
