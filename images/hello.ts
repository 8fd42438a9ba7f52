/**
 * hello.ts — the hello image: the smallest runnable unit. PCI support (so the boot shows
 * the bus), the serial console driver and the hello app; no file system, no network.
 */
import { hello } from "../apps/hello.ts";
import { rumpdev_com } from "../dev/com.ts";
import { rumpdev_pci } from "../dev/pci_component.ts";
import type { Image } from "../kernel/syscall/image.ts";

export const image: Image = {
  name: "hello",
  description: "prints a greeting, the time and a timed sleep through the syscall layer",
  components: [rumpdev_pci, rumpdev_com],
  apps: [{ app: hello, argv: [] }],
  config: { hostname: "hello", cmdline: "hello" },
};
