/**
 * images/ — the images rumpsim can boot, by name. Each image module is loaded only when
 * chosen, so a run (and a baked bundle) carries only that image's components and apps.
 *
 * Rules: images import no build tools and read nothing on the host. An image whose root
 * tree is a directory in the source tree names it (`rootDir`); whoever loads the image on
 * the host packs it into the image's `root` (cli/catalog.ts at boot, cli/bake.ts at bake
 * time), so a baked bundle carries the tree and never reads the host's.
 */
import type { Image } from "../kernel/syscall/image.ts";
import type { World } from "../rumprun/world.ts";

/** One entry of the catalogue. */
export interface ImageEntry {
  description: string;
  load: () => Promise<Image | World>;
  /** A host directory to pack into the image's root tree (ustar) when it is loaded. */
  rootDir?: URL;
}

export const IMAGES: Record<string, ImageEntry> = {
  hello: {
    description: "prints a greeting, the time and a timed sleep",
    load: async () => (await import("./hello.ts")).image,
  },
  httpd: {
    description: "httpd serving a small site; the host reaches it through --hostfwd",
    load: async () => (await import("./httpd.ts")).image,
  },
  "net-demo": {
    description: "two machines on a wire: ping, wget, netstat -s",
    load: async () => (await import("./net_demo.ts")).world,
  },
  server: {
    description: "rump_server: no app; serves remote clients (--sysproxy, deno task ctl)",
    load: async () => (await import("./server.ts")).image,
    rootDir: new URL("./roots/shell/", import.meta.url),
  },
  shell: {
    description: "a shell and file tools over tmpfs, kernfs and a baked root tree",
    load: async () => (await import("./shell.ts")).image,
    rootDir: new URL("./roots/shell/", import.meta.url),
  },
};

/** The image `deno task boot` boots with no --image. */
export const DEFAULT_IMAGE = "httpd";

export function imageNames(): string[] {
  return Object.keys(IMAGES).sort();
}
