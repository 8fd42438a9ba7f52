/**
 * rumpsim — a rump-kernel unikernel simulated in TypeScript.
 *
 * The public entry: run an image on the simulated PC, or build your own from the parts.
 *
 * @example
 * ```ts
 * import { images, runImage } from "@rumpsim/rumpsim";
 * const image = await images.hello.load();
 * const { status } = await runImage(image, { seed: 42, console: (b) => Deno.stdout.writeSync(b) });
 * ```
 */
export { runImage, type RunOptions, type RunOutcome } from "./rumprun/run.ts";
export { imageNames, IMAGES as images } from "./images/mod.ts";
export type { Image, ImageConfig } from "./kernel/syscall/image.ts";
export type { App, AppMain, Sys } from "./kernel/syscall/api.ts";
export { createMachine, type Machine } from "./arch/machine.ts";
export { Scheduler } from "./sched/mod.ts";
