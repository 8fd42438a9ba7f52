/**
 * image.ts — what an image is (what rumprun-bake makes): the components linked in, the
 * apps with their argv and env, an optional root tree, and a config that travels to the
 * machine as JSON in a multiboot module (kern/image_config.ts, re-exported here).
 *
 * Rules: code (components, apps) is linked, never described in the config. An image
 * lives at the top of the kernel base because its apps are programs of the syscall API;
 * the kernel below sees only its components and its config.
 */
import type { RumpComponent } from "../kern/component.ts";
import type { ImageConfig } from "../kern/image_config.ts";
import type { App } from "./api.ts";

export {
  type BlkConfig,
  type ImageConfig,
  type NetIfConfig,
  validateConfig,
} from "../kern/image_config.ts";

export interface ImageApp {
  app: App;
  argv: string[];
  env?: Record<string, string>;
  /** Start it and go on to the next app without waiting (rumprun's "&" run mode). */
  background?: boolean;
}

export interface Image {
  name: string;
  description: string;
  components: RumpComponent[];
  apps: ImageApp[];
  /**
   * Apps linked in but not started: they run only when another app spawns them by name
   * (a shell's tools, as rumprun links several programs into one image).
   */
  linked?: App[];
  config: ImageConfig;
  /** The root tree as a ustar archive, unpacked into / at boot. */
  root?: Uint8Array;
  /**
   * The first app reads its console (a shell): the command line runs the image in realtime
   * with stdin on COM1 when stdin is a terminal, a pipe or a file and no app arguments are given.
   */
  interactive?: boolean;
}
