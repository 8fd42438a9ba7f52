/**
 * images/ — the images rumpsim can boot, by name. Each image module is loaded only when
 * chosen, so a run (and a baked bundle) carries only that image's components and apps.
 */
import type { Image } from "../kernel/kern/image.ts";
import type { World } from "../kernel/platform/hw/world.ts";

export const IMAGES: Record<string, { description: string; load: () => Promise<Image | World> }> = {
  hello: {
    description: "prints a greeting, the time and a timed sleep",
    load: async () => (await import("./hello.ts")).image,
  },
  "net-demo": {
    description: "two machines on a wire: ping, wget, netstat -s",
    load: async () => (await import("./net_demo.ts")).world,
  },
};

/** The image `deno task boot` boots with no --image. */
export const DEFAULT_IMAGE = "hello";

export function imageNames(): string[] {
  return Object.keys(IMAGES).sort();
}
