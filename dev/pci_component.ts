/**
 * pci_component.ts — the rumpdev_pci component: PCI bus support. Its init schedules the
 * bus walk (autoconf) that rump_init runs after every DEV component has registered its
 * drivers.
 */
import type { RumpComponent } from "../kernel/kern/component.ts";
import { pciAutoconf } from "./pci.ts";

export const rumpdev_pci: RumpComponent = {
  name: "rumpdev_pci",
  type: "DEV",
  init(k) {
    const pci = k.platform.pci;
    if (!pci) {
      k.printf("pci: this platform has no PCI hypercalls; no buses configured\n");
      return;
    }
    k.autoconf.push(function* () {
      yield* pciAutoconf(k, pci);
    });
  },
};
