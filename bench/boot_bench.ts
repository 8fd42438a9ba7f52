/**
 * boot_bench.ts — a whole boot of the hello image on the simulated PC: power on, load,
 * boot, rump_init with PCI autoconf, the app (with its 1 s virtual sleep), halt.
 */
import { image } from "../images/hello.ts";
import { runImage } from "../rumprun/run.ts";

Deno.bench("boot: hello image, power-on to halt", async () => {
  const r = await runImage(image, { seed: 1 });
  if (r.status !== 0) throw new Error(`hello exited ${r.status}`);
});
