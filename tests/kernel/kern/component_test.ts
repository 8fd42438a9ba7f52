import assert from "node:assert/strict";
import {
  checkComponents,
  componentInitOrder,
  initComponents,
  type RumpComponent,
} from "../../../kernel/kern/component.ts";
import type { Kernel } from "../../../kernel/kern/kernel.ts";
import { runInKernel } from "../../support/kernel.ts";

function comp(
  name: string,
  type: RumpComponent["type"],
  requires: string[] = [],
  log?: string[],
): RumpComponent {
  return { name, type, requires, init: () => void log?.push(name) };
}

Deno.test("component: init runs KERN, VFS, NET, DEV, KERN_VFS, POSTINIT, SYSCALL in that order", () => {
  const log: string[] = [];
  const list = [
    comp("rumpkern_sysproxy", "SYSCALL", [], log),
    comp("rumpdev_vioif", "DEV", ["rumpnet_net"], log),
    comp("rumpfs_tmpfs", "VFS", ["rumpvfs"], log),
    comp("rumpnet_net", "NET", [], log),
    comp("rumpvfs", "VFS", [], log),
    comp("rumpkern_tty", "KERN", [], log),
    comp("rumpkern_mount_root", "POSTINIT", [], log),
    comp("rumpvfs_kernfs", "KERN_VFS", [], log),
    comp("rumpnet_netinet", "NET", ["rumpnet_net"], log),
  ];
  const run = runInKernel(function* (k) {
    return yield* initComponents(k, list);
  });
  const expected = [
    "rumpkern_tty",
    "rumpvfs",
    "rumpfs_tmpfs",
    "rumpnet_net",
    "rumpnet_netinet",
    "rumpdev_vioif",
    "rumpvfs_kernfs",
    "rumpkern_mount_root",
    "rumpkern_sysproxy",
  ];
  assert.deepEqual(run.value, expected);
  assert.deepEqual(log, expected);
  assert.deepEqual(run.kernel.components, expected);
  assert.equal(run.console, "", "nothing is printed unless verbose");
});

Deno.test("component: within a type the image's order is kept, but a requirement runs first", () => {
  const list = [
    comp("b", "NET"),
    comp("netinet", "NET", ["net"]),
    comp("a", "NET"),
    comp("net", "NET"),
  ];
  assert.deepEqual(componentInitOrder(list).map((c) => c.name), ["b", "net", "netinet", "a"]);
});

Deno.test("component: a missing requirement is an error naming both components", () => {
  const list = [comp("rumpnet_netinet", "NET", ["rumpnet_net"])];
  assert.throws(
    () => checkComponents(list),
    { message: "component rumpnet_netinet requires rumpnet_net, which the image does not include" },
  );
  assert.throws(() => runInKernel((k) => initComponents(k, list)), /requires rumpnet_net/);
});

Deno.test("component: a component included twice is refused", () => {
  assert.throws(() => checkComponents([comp("x", "KERN"), comp("x", "DEV")]), /included twice/);
});

Deno.test("component: an init that waits is waited for before the next one starts", () => {
  const log: string[] = [];
  const slow: RumpComponent = {
    name: "slow",
    type: "KERN",
    *init(k: Kernel) {
      yield* k.sleep(1e6);
      log.push(`slow done at ${k.nanotime()}`);
    },
  };
  const run = runInKernel(function* (k) {
    yield* initComponents(k, [comp("after", "DEV", [], log), slow]);
    return k.nanotime();
  });
  assert.deepEqual(log, ["slow done at 1000000", "after"]);
  assert.equal(run.value, 1e6);
});

Deno.test("component: with RUMP_VERBOSE each component is printed as it initialises", () => {
  const run = runInKernel(function* (k) {
    yield* initComponents(k, [comp("rumpvfs", "VFS"), comp("rumpkern_tty", "KERN")]);
  }, { verbose: true } as never);
  assert.equal(run.console, "component rumpkern_tty (KERN)\ncomponent rumpvfs (VFS)\n");
});
