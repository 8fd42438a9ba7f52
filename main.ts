/**
 * main.ts — the `rumpsim` program: the command line with every image in the catalogue.
 * (`deno task boot` runs this; a baked image runs the same CLI with its one image.)
 */
import { main } from "./cli/cli.ts";
import { DEFAULT_IMAGE, IMAGES } from "./images/mod.ts";

if (import.meta.main) {
  Deno.exit(
    await main(Deno.args, {
      images: IMAGES,
      defaultImage: DEFAULT_IMAGE,
      userNet: () => import("./cli/user_net.ts"),
      tapNet: () => import("./cli/tap_net.ts"),
    }),
  );
}
