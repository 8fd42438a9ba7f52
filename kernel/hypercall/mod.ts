/**
 * kernel/hypercall — the contract between the rump kernel and its platforms. Types only.
 */
export * from "./rumpuser.ts";
export * from "./pci.ts";
export * from "./virtif.ts";

import type { RumpPci } from "./pci.ts";
import type { Rumpuser } from "./rumpuser.ts";
import type { RumpVirtif } from "./virtif.ts";

/** Everything a platform hands the kernel: rumpuser, and the optional component groups. */
export interface Platform {
  readonly name: "hw" | "hosted";
  readonly user: Rumpuser;
  readonly pci: RumpPci | null;
  readonly virtif: RumpVirtif | null;
}
