/**
 * hello.ts — the hello image: the smallest runnable unit. PCI support (so the boot shows
 * the bus) and the hello app; no file system, no network.
 */
import { hello } from "../apps/hello.ts";
import { rumpdev_pci } from "../kernel/dev/pci_component.ts";
import type { Image } from "../kernel/kern/image.ts";

export const image: Image = {
  name: "hello",
  description: "prints a greeting, the time and a timed sleep through the syscall layer",
  components: [rumpdev_pci],
  apps: [{ app: hello, argv: [] }],
  config: { hostname: "hello", cmdline: "hello" },
};
