/**
 * component.ts — rump components: the linkable pieces of a rump kernel (librump*
 * libraries, each with RUMP_COMPONENT() constructors) and the order they initialise in.
 *
 * Rules: an image names its components (like `-lrumpnet_netinet`); `checkComponents`
 * refuses a list in which a component requires one the list lacks (at bake time and again
 * at boot), naming both. `initComponents` runs them the way rump_init does: every KERN
 * component, then the VFS, NET and DEV factions, then KERN_VFS, POSTINIT and SYSCALL.
 * Within a type the list's order is kept, except that a component required by another of
 * the same type runs first. Nothing is printed unless RUMP_VERBOSE is set.
 */
import type { Blocking } from "../hypercall/rumpuser.ts";
import { RUMP_VERBOSE } from "../hypercall/rumpuser.ts";
import type { Kernel } from "./kernel.ts";

/** When a component initialises (rump's enum rump_component_type, simplified). */
export type ComponentType = "KERN" | "VFS" | "NET" | "DEV" | "KERN_VFS" | "POSTINIT" | "SYSCALL";

/** The order rump_init runs the types in. */
export const COMPONENT_ORDER: readonly ComponentType[] = [
  "KERN",
  "VFS",
  "NET",
  "DEV",
  "KERN_VFS",
  "POSTINIT",
  "SYSCALL",
];

export interface RumpComponent {
  /** Library-style name, e.g. "rumpnet_netinet". */
  readonly name: string;
  readonly type: ComponentType;
  /** Names of components that must be linked too. */
  readonly requires?: readonly string[];
  init(k: Kernel): Blocking<void> | void;
}

/** Throws if a name repeats or a requirement is missing from `list`. */
export function checkComponents(list: readonly RumpComponent[]): void {
  const names = new Set<string>();
  for (const c of list) {
    if (names.has(c.name)) throw new Error(`component ${c.name} is included twice`);
    if (!COMPONENT_ORDER.includes(c.type)) {
      throw new Error(`component ${c.name} has an unknown type ${c.type}`);
    }
    names.add(c.name);
  }
  for (const c of list) {
    for (const r of c.requires ?? []) {
      if (!names.has(r)) {
        throw new Error(`component ${c.name} requires ${r}, which the image does not include`);
      }
    }
  }
}

/**
 * The order `initComponents` runs `list` in (checked first). `linked` is the whole image's
 * list when `list` is part of it (rump_init runs the types in two passes), so a component
 * may require one of another type.
 */
export function componentInitOrder(
  list: readonly RumpComponent[],
  linked: readonly RumpComponent[] = list,
): RumpComponent[] {
  checkComponents(linked);
  const byName = new Map(linked.map((c) => [c.name, c]));
  const out: RumpComponent[] = [];
  for (const type of COMPONENT_ORDER) {
    const done = new Set<string>();
    const visiting = new Set<string>();
    const visit = (c: RumpComponent): void => {
      if (done.has(c.name)) return;
      if (visiting.has(c.name)) {
        throw new Error(`component ${c.name} requires itself through a cycle`);
      }
      visiting.add(c.name);
      for (const r of c.requires ?? []) {
        const d = byName.get(r)!;
        if (d.type === type && list.includes(d)) visit(d);
      }
      visiting.delete(c.name);
      done.add(c.name);
      out.push(c);
    };
    for (const c of list) if (c.type === type) visit(c);
  }
  return out;
}

/**
 * Initialises `list` in rump's order; returns the names in the order they ran. Each name
 * is also appended to `k.components`.
 */
export function* initComponents(
  k: Kernel,
  list: readonly RumpComponent[],
  linked: readonly RumpComponent[] = list,
): Blocking<string[]> {
  const order = componentInitOrder(list, linked);
  const verbose = k.hyp.getparam(RUMP_VERBOSE) !== null;
  const ran: string[] = [];
  for (const c of order) {
    if (verbose) k.printf(`component ${c.name} (${c.type})\n`);
    const r = c.init(k);
    if (r && typeof (r as Blocking).next === "function") yield* r as Blocking;
    ran.push(c.name);
    k.components.push(c.name);
  }
  return ran;
}
