/**
 * catalog.ts — loading an image of the catalogue on the host: the image module, and its
 * root tree packed from the source tree when the entry names one (`rootDir`).
 *
 * Also a user's own image module (`--image-module ./my_image.ts`): a module that exports
 * `image` (an Image) or `world` (a World), loaded from a path relative to the current
 * directory.
 *
 * Rules: the catalogue's image objects are never changed (a packed tree goes into a copy);
 * an image that already carries its tree (a baked bundle's) is returned as it is.
 */
import type { Image } from "../kernel/syscall/image.ts";
import type { ImageEntry } from "../images/mod.ts";
import { isWorld, type World } from "../rumprun/world.ts";
import { packHostTree } from "./host_tree.ts";
import { UsageError } from "./flags.ts";

/** Loads `entry`'s image, with its root tree packed from the host if it names one. */
export async function loadImage(entry: ImageEntry): Promise<Image | World> {
  const image = await entry.load();
  if (!entry.rootDir || isWorld(image) || image.root) return image;
  return { ...image, root: await packHostTree(entry.rootDir) };
}

/** Loads the user's image module at `path`; throws a one-line Error saying what is wrong. */
export async function loadImageModule(path: string): Promise<Image | World> {
  const url = toFileUrl(path);
  let mod: Record<string, unknown>;
  try {
    mod = await import(url.href);
  } catch (e) {
    const msg = (e as Error).message.split("\n")[0];
    throw new UsageError(`--image-module: cannot load ${path}: ${msg}`);
  }
  const image = mod.world ?? mod.image;
  if (isWorld(image)) return image;
  if (!isImage(image)) {
    throw new UsageError(
      `--image-module: ${path} exports no \`image\` (an Image: name, components, apps, config) ` +
        `or \`world\``,
    );
  }
  const bad = image.components.find((c) => typeof c?.init !== "function");
  if (bad) {
    throw new UsageError(
      `--image-module: ${path}: component ${JSON.stringify(bad?.name ?? bad)} is not one of ` +
        `rumpsim's (take components from mod.ts's \`components\`)`,
    );
  }
  return image;
}

function isImage(x: unknown): x is Image {
  const i = x as Image;
  return typeof x === "object" && x !== null && typeof i.name === "string" &&
    Array.isArray(i.components) && Array.isArray(i.apps) && typeof i.config === "object";
}

/** An absolute file URL for a path given on the command line (relative to the cwd). */
export function toFileUrl(path: string): URL {
  const abs = path.startsWith("/") ? path : `${Deno.cwd()}/${path}`;
  return new URL(`file://${abs.split("/").map(encodeURIComponent).join("/")}`);
}
