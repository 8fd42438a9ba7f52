/**
 * images/ — the images rumpsim can boot, by name. Each image module is loaded only when
 * chosen, so a run (and a baked bundle) carries only that image's components and apps.
 */
import type { Image } from "../kernel/kern/image.ts";

export const IMAGES: Record<string, { description: string; load: () => Promise<Image> }> = {
  hello: {
    description: "prints a greeting, the time and a timed sleep",
    load: async () => (await import("./hello.ts")).image,
  },
};

/** The image `deno task boot` boots with no --image. */
export const DEFAULT_IMAGE = "hello";

export function imageNames(): string[] {
  return Object.keys(IMAGES).sort();
}
