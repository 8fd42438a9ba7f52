/**
 * catalog.ts — loading an image of the catalogue on the host: the image module, and its
 * root tree packed from the source tree when the entry names one (`rootDir`).
 *
 * Rules: the catalogue's image objects are never changed (a packed tree goes into a copy);
 * an image that already carries its tree (a baked bundle's) is returned as it is.
 */
import type { Image } from "../kernel/syscall/image.ts";
import type { ImageEntry } from "../images/mod.ts";
import { isWorld, type World } from "../rumprun/world.ts";
import { packHostTree } from "./host_tree.ts";

/** Loads `entry`'s image, with its root tree packed from the host if it names one. */
export async function loadImage(entry: ImageEntry): Promise<Image | World> {
  const image = await entry.load();
  if (!entry.rootDir || isWorld(image) || image.root) return image;
  return { ...image, root: await packHostTree(entry.rootDir) };
}
