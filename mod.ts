/**
 * rumpsim — a rump-kernel unikernel simulated in TypeScript.
 *
 * The public entry: run an image of the catalogue, or your own image of your own apps, on
 * the simulated PC; run a world of several machines on one wire. Same seed, same bytes.
 *
 * @example Boot the hello image and keep its console
 * ```ts
 * import { images, runImage } from "@rumpsim/rumpsim";
 *
 * const image = await images.hello.load();
 * if (image.kind === "world") throw new Error("hello is one machine");
 * let text = "";
 * const { status } = await runImage(image, {
 *   seed: 42,
 *   console: (b) => text += new TextDecoder().decode(b),
 * });
 * if (status !== 0 || !text.includes("Hello, world!")) throw new Error(text);
 * ```
 *
 * @example An image of your own app
 * ```ts
 * import { components, type Image, runImage } from "@rumpsim/rumpsim";
 *
 * const image: Image = {
 *   name: "greeter",
 *   description: "greets whoever is named on the command line",
 *   components: [components.rumpdev_pci],
 *   apps: [{
 *     app: {
 *       name: "greet",
 *       *main(sys, argv) {
 *         yield* sys.write(1, new TextEncoder().encode(`hello, ${argv[1] ?? "world"}\n`));
 *         return 0;
 *       },
 *     },
 *     argv: ["rumpsim"],
 *   }],
 *   config: { hostname: "greeter" },
 * };
 * let out = "";
 * const { status } = await runImage(image, {
 *   argv: ["reader"],
 *   console: (b) => out += new TextDecoder().decode(b),
 * });
 * if (status !== 0 || !out.includes("hello, reader")) throw new Error(out);
 * ```
 *
 * @module
 */
import { runImage as runImageInternal } from "./rumprun/run.ts";
import { runWorld as runWorldInternal } from "./rumprun/world.ts";
import { imageNames as catalogueNames, IMAGES } from "./images/mod.ts";
import type { Image as InternalImage } from "./kernel/syscall/image.ts";
import type { App } from "./kernel/syscall/api.ts";
import type { ImageConfig } from "./kernel/kern/image_config.ts";
import type { RumpComponent } from "./kernel/kern/component.ts";
import { rumpdev_pci } from "./dev/pci_component.ts";
import { rumpdev_com } from "./dev/com.ts";
import { rumpdev_ld } from "./dev/ld_component.ts";
import { rumpdev_vioif } from "./dev/vioif_component.ts";
import { rumpfs_kernfs, rumpfs_tmpfs, rumpvfs } from "./fs/vfs_init.ts";
import { rumpfs_cookfs } from "./fs/cookfs.ts";
import { rumpfs_ext2fs } from "./fs/ext2/ext2_component.ts";
import { rumpnet, rumpnet_net, rumpnet_netinet } from "./net/netinet_init.ts";

export type {
  App,
  AppMain,
  Dirent,
  PollFd,
  SockAddrIn,
  Stat,
  StatVfs,
  Sys,
  Timespec,
  Utsname,
  Wait,
} from "./kernel/syscall/api.ts";
export type { BlkConfig, ImageConfig, NetIfConfig } from "./kernel/kern/image_config.ts";

/**
 * A kernel component an image links in (rump's `-lrumpnet_netinet`): opaque here; take
 * them from {@linkcode components}.
 *
 * @example
 * ```ts
 * import { type Component, components } from "@rumpsim/rumpsim";
 * const fs: Component[] = [components.rumpvfs, components.rumpfs_tmpfs];
 * console.log(fs.map((c) => c.name).join(" "));
 * ```
 */
export interface Component {
  /** The component's name, e.g. "rumpnet_netinet". */
  readonly name: string;
  /** Its faction and init stage: "KERN", "VFS", "NET", "DEV", ... */
  readonly type: string;
}

/**
 * The components an image can link, by name. Each names its dependencies; a missing one is
 * an error at boot naming both (e.g. rumpfs_tmpfs needs rumpvfs).
 *
 * @example
 * ```ts
 * import { components } from "@rumpsim/rumpsim";
 * console.log(Object.keys(components).sort().join(", "));
 * ```
 */
export const components: {
  /** The PCI bus (autoconf finds devices on it). */
  readonly rumpdev_pci: Component;
  /** The 16550 serial console, com0: input typed on the host reaches the console. */
  readonly rumpdev_com: Component;
  /** virtio-blk disks as ld0, ld1, ... */
  readonly rumpdev_ld: Component;
  /** The virtio-net NIC as vioif0. */
  readonly rumpdev_vioif: Component;
  /** The VFS: the namespace, vnodes, the file system calls. */
  readonly rumpvfs: Component;
  /** tmpfs mounted on / and /tmp. */
  readonly rumpfs_tmpfs: Component;
  /** kernfs on /kern (kernel facts as files). */
  readonly rumpfs_kernfs: Component;
  /** Unpacks the image's root tree into / at boot. */
  readonly rumpfs_cookfs: Component;
  /** ext2 file systems on disks (`--blk`). */
  readonly rumpfs_ext2fs: Component;
  /** The network base: mbufs, sockets. */
  readonly rumpnet: Component;
  /** Interfaces and routing. */
  readonly rumpnet_net: Component;
  /** IPv4, ARP, ICMP, UDP, TCP. */
  readonly rumpnet_netinet: Component;
} = {
  rumpdev_pci,
  rumpdev_com,
  rumpdev_ld,
  rumpdev_vioif,
  rumpvfs,
  rumpfs_tmpfs,
  rumpfs_kernfs,
  rumpfs_cookfs,
  rumpfs_ext2fs,
  rumpnet,
  rumpnet_net,
  rumpnet_netinet,
};

/**
 * One app of an image and how it is started.
 *
 * @example
 * ```ts
 * import type { ImageApp } from "@rumpsim/rumpsim";
 * const run: ImageApp = {
 *   app: { name: "true", *main() { return 0; } },
 *   argv: [],
 *   env: { GREETING: "hi" },
 * };
 * console.log(run.app.name);
 * ```
 */
export interface ImageApp {
  /** The program. */
  app: App;
  /** Its arguments after its name (argv[0] is the app's name). */
  argv: string[];
  /** Its environment, over the image config's `env`. */
  env?: Record<string, string>;
  /** Start it and go on to the next app without waiting (rumprun's "&"). */
  background?: boolean;
}

/**
 * An image (what rumprun-bake makes): components, apps, a config, an optional root tree.
 * The run's exit status is the first failing app's, else the last app's.
 *
 * @example
 * ```ts
 * import { components, type Image } from "@rumpsim/rumpsim";
 * const image: Image = {
 *   name: "quiet",
 *   description: "does nothing, successfully",
 *   components: [components.rumpdev_pci],
 *   apps: [{ app: { name: "true", *main() { return 0; } }, argv: [] }],
 *   config: {},
 * };
 * console.log(image.name);
 * ```
 */
export interface Image {
  /** A short name: the boot banner and the console prefix in worlds. */
  name: string;
  /** One line saying what it does. */
  description: string;
  /** The components linked in, from {@linkcode components}. */
  components: readonly Component[];
  /** The apps, started in order. */
  apps: ImageApp[];
  /** Apps linked in but started only by another app (`sys.spawn`), like a shell's tools. */
  linked?: App[];
  /** Hostname, interfaces, disks, environment, command line: travels to the machine as JSON. */
  config: ImageConfig;
  /** The root tree as a ustar archive, unpacked into / at boot (needs rumpfs_cookfs). */
  root?: Uint8Array;
  /** The first app reads its console (a shell): the CLI feeds it stdin in realtime. */
  interactive?: boolean;
}

/**
 * One machine of a {@linkcode World}.
 *
 * @example
 * ```ts
 * import { images, type WorldMachine } from "@rumpsim/rumpsim";
 * const hello = await images.hello.load();
 * if (hello.kind !== "world") {
 *   const m: WorldMachine = { name: "a", image: hello, mac: "52:54:00:00:00:0a" };
 *   console.log(m.name);
 * }
 * ```
 */
export interface WorldMachine {
  /** Console prefix and thread-name prefix: "server", "client". */
  name: string;
  /** What it boots. */
  image: Image;
  /** Its NIC's MAC address. */
  mac: string;
}

/**
 * Several machines on one virtual clock, on one wire (two) or a switch: what
 * `--image net-demo` boots. The last machine's exit ends the run.
 *
 * @example
 * ```ts
 * import { images } from "@rumpsim/rumpsim";
 * const demo = await images["net-demo"].load();
 * if (demo.kind === "world") console.log(demo.machines.map((m) => m.name).join(" "));
 * ```
 */
export interface World {
  /** Tells a world from an image. */
  kind: "world";
  /** Its name. */
  name: string;
  /** One line saying what it shows. */
  description: string;
  /** The machines, in boot order. */
  machines: readonly WorldMachine[];
}

/**
 * An image of the catalogue, loaded on demand (only the chosen image's code is imported).
 *
 * @example
 * ```ts
 * import { images } from "@rumpsim/rumpsim";
 * console.log(images.httpd.description);
 * ```
 */
export interface CatalogueEntry {
  /** One line saying what it does. */
  description: string;
  /** Imports the image (or world). */
  load(): Promise<(Image & { kind?: undefined }) | World>;
}

/**
 * The images rumpsim ships, by name: hello, httpd, net-demo (a world), shell.
 *
 * @example
 * ```ts
 * import { images } from "@rumpsim/rumpsim";
 * for (const [name, e] of Object.entries(images)) console.log(name, e.description);
 * ```
 */
export const images: Readonly<Record<string, CatalogueEntry>> = IMAGES as Record<
  string,
  CatalogueEntry
>;

/**
 * The names of the shipped images, sorted.
 *
 * @example
 * ```ts
 * import { imageNames } from "@rumpsim/rumpsim";
 * console.log(imageNames().join(", ")); // hello, httpd, net-demo, shell
 * ```
 */
export function imageNames(): string[] {
  return catalogueNames();
}

/**
 * How a run goes: its seed, memory, clock and where its console goes. A run is a pure
 * function of (image, options): the same seed gives the same console bytes.
 *
 * @example
 * ```ts
 * import type { RunOptions } from "@rumpsim/rumpsim";
 * const opts: RunOptions = { seed: 7, memBytes: 32 * 1024 * 1024, argv: ["friend"] };
 * console.log(opts.seed);
 * ```
 */
export interface RunOptions {
  /** Seeds all randomness (default 1). */
  seed?: number;
  /** Guest RAM in bytes (default 64 MiB). */
  memBytes?: number;
  /** Wall-clock time at power-on, ms since 1970 (default 2024-01-01T00:00:00Z). */
  epochMs?: number;
  /** Replaces the first app's arguments (an image run only). */
  argv?: string[];
  /** Where console bytes go (default: discarded); the view is valid during the call only. */
  console?: (bytes: Uint8Array) => void;
  /** Verbose kernel messages (RUMP_VERBOSE; an image run only). */
  verbose?: boolean;
}

/**
 * How a run ended.
 *
 * @example
 * ```ts
 * import { images, runImage, type RunStatus } from "@rumpsim/rumpsim";
 * const hello = await images.hello.load();
 * if (hello.kind !== "world") {
 *   const r: RunStatus = await runImage(hello);
 *   console.log(r.status, r.deadlock);
 * }
 * ```
 */
export interface RunStatus {
  /** The exit status: the apps' (see {@linkcode Image}), 255 after a panic, 1 after a deadlock. */
  status: number;
  /** The run ended because every thread waited and nothing could wake one. */
  deadlock: boolean;
}

/**
 * Boots `image` on a simulated PC in virtual time and runs it to its end.
 *
 * @example
 * ```ts
 * import { images, runImage } from "@rumpsim/rumpsim";
 * const hello = await images.hello.load();
 * if (hello.kind !== "world") {
 *   const { status, deadlock } = await runImage(hello, { seed: 3, argv: ["reader"] });
 *   if (status !== 0 || deadlock) throw new Error(`status ${status}`);
 * }
 * ```
 */
export async function runImage(image: Image, options: RunOptions = {}): Promise<RunStatus> {
  const r = await runImageInternal(internal(image), { ...options, mode: "virtual" });
  return { status: r.status, deadlock: r.result.kind === "deadlock" };
}

/**
 * Boots every machine of `world` on one virtual clock and runs until the last one's apps end.
 *
 * @example
 * ```ts
 * import { images, runWorld } from "@rumpsim/rumpsim";
 * const demo = await images["net-demo"].load();
 * if (demo.kind === "world") {
 *   const { status } = await runWorld(demo, { seed: 7 });
 *   if (status !== 0) throw new Error(`net-demo: status ${status}`); // ping, wget, netstat
 * }
 * ```
 */
export async function runWorld(world: World, options: RunOptions = {}): Promise<RunStatus> {
  const machines = world.machines.map((m) => ({ ...m, image: internal(m.image) }));
  const r = await runWorldInternal(machines, {
    seed: options.seed,
    memBytes: options.memBytes,
    epochMs: options.epochMs,
    console: options.console,
  });
  return { status: r.status, deadlock: r.result.kind === "deadlock" };
}

/** The kernel's image: every component must be one of rumpsim's (it carries its init). */
function internal(image: Image): InternalImage {
  for (const c of image.components) {
    if (typeof (c as Partial<RumpComponent>).init !== "function") {
      throw new TypeError(
        `image "${image.name}": component "${c.name}" is not one of rumpsim's (take it from components)`,
      );
    }
  }
  return image as unknown as InternalImage;
}
