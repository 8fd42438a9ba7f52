/**
 * main.ts — the `rumpsim` program: the command line with every image in the catalogue.
 * (`deno task boot` runs this; a baked image runs the same CLI with its one image.)
 */
import { type Catalog, main } from "./cli/cli.ts";
import { enterCallerDirectory } from "./cli/caller_dir.ts";
import { DEFAULT_IMAGE, IMAGES } from "./images/mod.ts";

/** Every image, and every netdev and loader, each loaded only when a run needs it. */
export const CATALOG: Catalog = {
  images: IMAGES,
  defaultImage: DEFAULT_IMAGE,
  userNet: () => import("./cli/user_net.ts"),
  tapNet: () => import("./cli/tap_net.ts"),
  wasmImage: () => import("./cli/wasm_image.ts"),
};

if (import.meta.main) {
  enterCallerDirectory(); // relative paths are the user's, under deno task too
  Deno.exit(await main(Deno.args, CATALOG));
}
