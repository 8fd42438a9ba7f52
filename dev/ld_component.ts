/**
 * ld_component.ts — the rumpdev_ld component: registers the ld(4) driver at virtio so
 * that autoconf attaches it to every virtio-blk function it finds; each unit then appears
 * in the kernel's block-device table (kern/bdevsw.ts) as ld0, ld1, ...
 *
 * Rules: a DEV component; it needs PCI bus support (rumpdev_pci).
 */
import type { RumpComponent } from "../kernel/kern/component.ts";
import { ldVirtioDriver } from "./ld.ts";
import { pciRegisterDriver } from "./pci.ts";

export const rumpdev_ld: RumpComponent = {
  name: "rumpdev_ld",
  type: "DEV",
  requires: ["rumpdev_pci"],
  init(k) {
    pciRegisterDriver(k, ldVirtioDriver);
  },
};
