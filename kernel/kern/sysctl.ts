/**
 * sysctl.ts — the kernel's named, read-only information tree (sysctl(3) by name).
 *
 * Rules: a faction registers a node with a function that computes its value when read
 * (`net.inet.tcp.stats`, `kern.msgbuf`); values are plain data (copied out to the app).
 * Names are dotted, NetBSD's where NetBSD has one.
 */

export class Sysctl {
  #nodes = new Map<string, () => unknown>();

  register(name: string, read: () => unknown): void {
    this.#nodes.set(name, read);
  }

  /** The value of `name`, or undefined if there is no such node. */
  read(name: string): unknown {
    const f = this.#nodes.get(name);
    return f ? structuredClone(f()) : undefined;
  }

  /** Names under `prefix` (all when empty), sorted. */
  list(prefix = ""): string[] {
    return [...this.#nodes.keys()].filter((n) => n.startsWith(prefix)).sort();
  }
}
