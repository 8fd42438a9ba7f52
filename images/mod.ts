/**
 * images/ — the images rumpsim can boot, by name. Each image module is loaded only when
 * chosen, so a run (and a baked bundle) carries only that image's components and apps.
 */
import type { Image } from "../kernel/kern/image.ts";
import type { World } from "../rumprun/world.ts";

export const IMAGES: Record<string, { description: string; load: () => Promise<Image | World> }> = {
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
  shell: {
    description: "a shell and file tools over tmpfs, kernfs and a baked root tree",
    load: async () => {
      // Unbaked: the root tree is read from the source tree now (a bundle embeds it).
      const { image, rootDir } = await import("./shell.ts");
      const { packHostTree } = await import("../cli/host_tree.ts");
      return { ...image, root: await packHostTree(new URL(rootDir, import.meta.url)) };
    },
  },
};

/** The image `deno task boot` boots with no --image. */
export const DEFAULT_IMAGE = "httpd";

export function imageNames(): string[] {
  return Object.keys(IMAGES).sort();
}
