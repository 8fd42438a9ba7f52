/**
 * vioif_component.ts — the rumpdev_vioif component: registers the vioif(4) PCI driver so
 * that autoconf attaches it to every virtio-net function it finds.
 *
 * Rules: a DEV component; it needs PCI bus support (rumpdev_pci) and the interface layer
 * (rumpnet, net/netinet_init.ts), which initialises first as a NET component.
 */
import type { RumpComponent } from "../kernel/kern/component.ts";
import { pciRegisterDriver } from "./pci.ts";
import { vioifDriver } from "./vioif.ts";

export const rumpdev_vioif: RumpComponent = {
  name: "rumpdev_vioif",
  type: "DEV",
  requires: ["rumpdev_pci", "rumpnet"],
  init(k) {
    pciRegisterDriver(k, vioifDriver);
  },
};
