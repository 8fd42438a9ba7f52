/**
 * layering_test.ts — the tree keeps DESIGN.md's import and determinism rules, and each rule
 * of tests/layering_rules.ts catches the break it exists for (one probe per case).
 */
import assert from "node:assert/strict";
import { checkSource, checkSources, checkTree, importsOf } from "./layering_rules.ts";

const root = new URL("..", import.meta.url).pathname.replace(/\/$/, "");

/** The rule names reported for one file. */
function rules(path: string, src: string): string[] {
  return checkSource(path, src).map((v) => v.rule);
}

/** One import statement of `spec`. */
function imp(spec: string): string {
  return `import { x } from "${spec}";\n`;
}

/** The JSR scheme, spelled in two parts so that a grep for real JSR imports skips this file. */
const JSR = "jsr" + ":";

Deno.test("layering: no file in the tree breaks DESIGN.md's import or determinism rules", async () => {
  const { files, violations } = await checkTree(root);
  assert.ok(files > 20, `read ${files} files`);
  const lines = violations.map((v) =>
    `${v.file}${v.line ? `:${v.line}` : ""}  ${v.rule}  ${v.detail}`
  );
  assert.deepEqual(lines, []);
});

// --- the base and the factions ---------------------------------------------------------

Deno.test("layering: the base importing a faction is reported", () => {
  assert.deepEqual(rules("kernel/kern/kernel.ts", imp("../../net/tcp/input.ts")), ["layering"]);
});

Deno.test("layering: kern/ importing a faction's file (bdevsw → fs/bdev) is reported", () => {
  assert.deepEqual(rules("kernel/kern/bdevsw.ts", imp("../../fs/bdev.ts")), ["layering"]);
});

Deno.test("layering: kern/ importing syscall/ (which sits on kern) is reported", () => {
  assert.deepEqual(rules("kernel/kern/kernel.ts", imp("../syscall/console.ts")), ["layering"]);
});

Deno.test("layering: hypercall/ importing anything but hypercall/ is reported", () => {
  assert.deepEqual(rules("kernel/hypercall/x.ts", imp("../kern/errno.ts")), ["layering"]);
  assert.deepEqual(rules("kernel/hypercall/x.ts", imp("./pci.ts")), []);
});

Deno.test("layering: syscall/ importing kern/ and hypercall/ passes", () => {
  assert.deepEqual(rules("kernel/syscall/sys.ts", imp("../kern/kernel.ts")), []);
  assert.deepEqual(rules("kernel/syscall/sys.ts", imp("../hypercall/mod.ts")), []);
});

Deno.test("layering: a faction importing the base and another faction passes", () => {
  assert.deepEqual(rules("net/socket.ts", imp("../kernel/syscall/file.ts")), []);
  assert.deepEqual(rules("dev/ld.ts", imp("../fs/bdev.ts")), []);
  assert.deepEqual(rules("fs/tmpfs/x.ts", imp("../../kernel/kern/kmem.ts")), []);
});

Deno.test("layering: a faction importing arch/ is reported", () => {
  assert.deepEqual(rules("net/ip_input.ts", imp("../arch/pic.ts")), ["layering"]);
});

Deno.test("layering: a faction importing sched/ is reported", () => {
  assert.deepEqual(rules("fs/tmpfs/x.ts", `export { Mutex } from "../../sched/mutex.ts";`), [
    "layering",
  ]);
});

Deno.test("layering: a faction importing host/ or a platform is reported", () => {
  assert.deepEqual(rules("dev/vioif.ts", imp("../host/tap.ts")), ["layering"]);
  assert.deepEqual(rules("dev/vioif.ts", imp("../platform/hw/intr.ts")), ["layering"]);
});

Deno.test("layering: a faction importing the command line is reported", () => {
  assert.deepEqual(rules("net/x.ts", imp("../cli/cli.ts")), ["layering"]);
});

Deno.test("layering: a faction importing an image is reported", () => {
  assert.deepEqual(rules("net/x.ts", imp("../images/mod.ts")), ["layering"]);
});

// --- the platforms ---------------------------------------------------------------------

Deno.test("layering: a platform importing a faction is reported", () => {
  assert.deepEqual(rules("platform/hosted/x.ts", imp("../../net/ip_input.ts")), ["layering"]);
});

Deno.test("layering: a platform importing kern/ (not the hypercall contract) is reported", () => {
  assert.deepEqual(rules("platform/hw/boot.ts", imp("../../kernel/kern/errno.ts")), ["layering"]);
});

Deno.test("layering: platform/hw importing platform/hosted is reported", () => {
  assert.deepEqual(rules("platform/hw/x.ts", imp("../hosted/y.ts")), ["layering"]);
});

Deno.test("layering: platform/hosted importing platform/hw is reported", () => {
  assert.deepEqual(rules("platform/hosted/y.ts", imp("../hw/x.ts")), ["layering"]);
});

Deno.test("layering: platform/hosted importing arch/ is reported", () => {
  assert.deepEqual(rules("platform/hosted/x.ts", imp("../../arch/mod.ts")), ["layering"]);
});

Deno.test("layering: platform/hw on arch/, sched/, the contract and shared files passes", () => {
  assert.deepEqual(rules("platform/hw/boot.ts", imp("../../arch/mod.ts")), []);
  assert.deepEqual(rules("platform/hw/boot.ts", imp("../../sched/mod.ts")), []);
  assert.deepEqual(rules("platform/hw/boot.ts", imp("../../kernel/hypercall/mod.ts")), []);
  assert.deepEqual(rules("platform/hw/boot.ts", imp("../fiber_rumpuser.ts")), []);
});

Deno.test("layering: platform/hosted on host/ and sched/ passes", () => {
  assert.deepEqual(rules("platform/hosted/platform.ts", imp("../../host/realtime.ts")), []);
  assert.deepEqual(rules("platform/hosted/platform.ts", imp("../../sched/mod.ts")), []);
});

Deno.test("layering: a shared platform file importing arch/ or host/ is reported", () => {
  assert.deepEqual(rules("platform/fiber_rumpuser.ts", imp("../arch/pic.ts")), ["layering"]);
  assert.deepEqual(rules("platform/fiber_rumpuser.ts", imp("../host/tap.ts")), ["layering"]);
  assert.deepEqual(rules("platform/fiber_rumpuser.ts", imp("../sched/mod.ts")), []);
});

Deno.test("layering: importing a platform outside rumprun/slirp/cli/web/tests/bench is reported", () => {
  assert.deepEqual(rules("images/x.ts", imp("../platform/hw/boot.ts")), ["layering"]);
  assert.deepEqual(rules("tools/x.ts", imp("../platform/hosted/platform.ts")), ["layering"]);
  assert.deepEqual(rules("apps/x.ts", imp("../platform/region_alloc.ts")), ["layering"]);
  for (const a of ["rumprun/x.ts", "slirp/x.ts", "cli/x.ts", "web/x.ts", "tests/x.ts"]) {
    assert.deepEqual(rules(a, imp("../platform/hosted/platform.ts")), [], a);
  }
});

// --- the bottom: sched/, arch/, host/ --------------------------------------------------

Deno.test("layering: sched/ importing anything of the project is reported", () => {
  for (const spec of ["../kernel/kern/errno.ts", "../arch/pic.ts", "../host/realtime.ts"]) {
    assert.deepEqual(rules("sched/x.ts", `import "${spec}";`), ["layering"], spec);
  }
  assert.deepEqual(rules("sched/x.ts", `import "./clock.ts";`), []);
});

Deno.test("layering: arch/ importing sched/ passes, importing the kernel is reported", () => {
  assert.deepEqual(rules("arch/pic.ts", imp("../sched/mod.ts")), []);
  assert.deepEqual(rules("arch/virtio/net.ts", imp("../netdev/netdev.ts")), []);
  assert.deepEqual(rules("arch/pic.ts", imp("../kernel/hypercall/mod.ts")), ["layering"]);
  assert.deepEqual(rules("arch/pic.ts", imp("../host/realtime.ts")), ["layering"]);
});

Deno.test("layering: host/ importing the arch interfaces passes", () => {
  assert.deepEqual(rules("host/tap.ts", imp("../arch/netdev/netdev.ts")), []);
  assert.deepEqual(rules("host/blk_file.ts", imp("../arch/virtio/blk.ts")), []);
  assert.deepEqual(rules("host/realtime.ts", imp("../sched/mod.ts")), []);
});

Deno.test("layering: host/ importing arch/ beyond its interfaces is reported", () => {
  assert.deepEqual(rules("host/tap.ts", imp("../arch/pic.ts")), ["layering"]);
  assert.deepEqual(rules("host/tap.ts", imp("../arch/netdev/wire.ts")), ["layering"]);
  assert.deepEqual(rules("host/tap.ts", imp("../kernel/hypercall/virtif.ts")), ["layering"]);
});

// --- glue and callers ------------------------------------------------------------------

Deno.test("layering: rumprun/ importing arch/ (worlds of machines) passes", () => {
  assert.deepEqual(rules("rumprun/world.ts", imp("../arch/machine.ts")), []);
  assert.deepEqual(rules("rumprun/run.ts", imp("../net/netstack.ts")), []);
});

Deno.test("layering: rumprun/ importing the command line or an image is reported", () => {
  assert.deepEqual(rules("rumprun/run.ts", imp("../cli/cli.ts")), ["layering"]);
  assert.deepEqual(rules("rumprun/run.ts", imp("../images/mod.ts")), ["layering"]);
});

Deno.test("layering: rumprun/ importing host/ is reported (the caller hands it the host)", () => {
  assert.deepEqual(rules("rumprun/run.ts", imp("../host/realtime.ts")), ["layering"]);
  assert.deepEqual(rules("rumprun/world.ts", imp("../host/tap.ts")), ["layering"]);
});

Deno.test("layering: slirp/ may import arch/netdev/ but not the rest of arch/", () => {
  assert.deepEqual(rules("slirp/gateway.ts", imp("../arch/netdev/wire.ts")), []);
  assert.deepEqual(rules("slirp/gateway.ts", imp("../arch/pic.ts")), ["layering"]);
});

Deno.test("layering: an image importing a build tool is reported", () => {
  assert.deepEqual(rules("images/mod.ts", imp("../cli/host_tree.ts")), ["layering"]);
  assert.deepEqual(rules("images/mod.ts", imp("../tools/kernel.ts")), ["layering"]);
  assert.deepEqual(rules("images/mod.ts", imp("../host/realtime.ts")), ["layering"]);
});

Deno.test("layering: an image importing apps, the base and rumprun passes", () => {
  assert.deepEqual(rules("images/httpd.ts", imp("../apps/httpd/main.ts")), []);
  assert.deepEqual(rules("images/httpd.ts", imp("../kernel/kern/image.ts")), []);
  assert.deepEqual(rules("images/httpd.ts", imp("../rumprun/world.ts")), []);
});

Deno.test("layering: apps/ reaching past the syscall API is reported", () => {
  assert.deepEqual(rules("apps/x.ts", imp("../kernel/kern/kernel.ts")), ["layering"]);
  assert.deepEqual(rules("apps/x.ts", imp("../kernel/syscall/sys.ts")), ["layering"]);
  assert.deepEqual(rules("wasm/x.ts", imp("../net/socket.ts")), ["layering"]);
});

Deno.test("layering: apps/ importing the syscall API and its own folder passes", () => {
  assert.deepEqual(rules("apps/x.ts", `import type { Sys } from "../kernel/syscall/api.ts";`), []);
  assert.deepEqual(rules("apps/httpd/main.ts", imp("../lib/getopt.ts")), []);
});

Deno.test("layering: cli/ importing tests/ is reported; the web page importing cli/ is reported", () => {
  assert.deepEqual(rules("cli/cli.ts", imp("../tests/support/x.ts")), ["layering"]);
  assert.deepEqual(rules("web/page.ts", imp("../cli/cli.ts")), ["layering"]);
  assert.deepEqual(rules("web/page.ts", imp("../platform/hw/boot.ts")), []);
});

Deno.test("layering: main.ts and mod.ts may import anything but tests/ and bench/", () => {
  assert.deepEqual(rules("main.ts", imp("./cli/cli.ts")), []);
  assert.deepEqual(rules("mod.ts", imp("./rumprun/run.ts")), []);
  assert.deepEqual(rules("mod.ts", imp("./bench/x.ts")), ["layering"]);
});

// --- areas -----------------------------------------------------------------------------

Deno.test("layering: a file in a folder DESIGN.md does not name is reported", () => {
  assert.deepEqual(rules("stuff/x.ts", ""), ["unknown-area"]);
});

Deno.test("layering: a root file other than main.ts and mod.ts is reported", () => {
  assert.deepEqual(rules("foo.ts", ""), ["unknown-area"]);
  assert.deepEqual(rules("main.ts", ""), []);
  assert.deepEqual(rules("mod.ts", ""), []);
});

Deno.test("layering: a kernel/ or platform/ sub-folder DESIGN.md does not name is reported", () => {
  assert.deepEqual(rules("kernel/dev/vioif.ts", ""), ["unknown-area"]);
  assert.deepEqual(rules("kernel/x.ts", ""), ["unknown-area"]);
  assert.deepEqual(rules("platform/web/x.ts", ""), ["unknown-area"]);
});

Deno.test("layering: an import above the project root is reported", () => {
  assert.deepEqual(rules("net/x.ts", imp("../../elsewhere/x.ts")), ["outside-project"]);
});

// --- determinism and Deno --------------------------------------------------------------

Deno.test("layering: host time and randomness in the command line's assembly pass", () => {
  assert.deepEqual(rules("cli/user_net.ts", "const t = Date.now(); const r = Math.random();"), []);
  assert.deepEqual(rules("host/realtime.ts", "performance.now(); setTimeout(f, 1);"), []);
  assert.deepEqual(rules("platform/hosted/x.ts", "Date.now(); Deno.stdout;"), []);
  assert.deepEqual(rules("main.ts", "Deno.exit(Date.now() > 0 ? 0 : 1);"), []);
});

Deno.test("layering: host time in an image is reported", () => {
  const v = checkSource("images/httpd.ts", "const boot = Date.now();");
  assert.deepEqual(v.map((x) => [x.rule, x.detail]), [["determinism", "uses Date.now"]]);
});

Deno.test("layering: host randomness in slirp/ is reported", () => {
  assert.deepEqual(rules("slirp/x.ts", "const port = 1024 + Math.random() * 1000;"), [
    "determinism",
  ]);
});

Deno.test("layering: host time in rumprun/ is reported", () => {
  assert.deepEqual(rules("rumprun/run.ts", "const t0 = Date.now();"), ["determinism"]);
});

Deno.test("layering: globalThis.Date.now in a faction is reported", () => {
  assert.deepEqual(rules("net/x.ts", "const t = globalThis.Date.now();"), ["determinism"]);
});

Deno.test('layering: globalThis["Date"] and other spellings of a global are reported', () => {
  assert.deepEqual(rules("net/x.ts", `const t = globalThis["Date"].now();`), ["determinism"]);
  assert.deepEqual(rules("net/x.ts", `const t = Date["now"]();`), ["determinism"]);
  assert.deepEqual(rules("net/x.ts", "window.setTimeout(f, 5);"), ["determinism"]);
  assert.deepEqual(rules("net/x.ts", "self.setInterval(f, 5);"), ["determinism"]);
  assert.deepEqual(rules("net/x.ts", "globalThis?.performance?.now();"), ["determinism"]);
  assert.deepEqual(rules("net/x.ts", "globalThis.crypto.getRandomValues(b);"), ["determinism"]);
  assert.deepEqual(rules("net/x.ts", "globalThis.Deno.exit(1);"), ["host-api"]);
});

Deno.test("layering: each forbidden time, timer and random source is reported", () => {
  const cases: [string, string][] = [
    ["performance.now()", "uses performance.now"],
    ["Math.random()", "uses Math.random"],
    ["setTimeout(f, 1)", "uses setTimeout"],
    ["setInterval(f, 1)", "uses setInterval"],
    ["crypto.randomUUID()", "uses crypto"],
    ["const d = new Date();", "uses new Date()"],
    ["const d = new Date;", "uses new Date()"],
    ["const s = Date();", "uses Date()"],
  ];
  for (const [src, detail] of cases) {
    assert.deepEqual(checkSource("kernel/kern/x.ts", src).map((v) => v.detail), [detail], src);
  }
});

Deno.test("layering: a Date from a given time and methods named like globals pass", () => {
  assert.deepEqual(rules("apps/httpd/date.ts", "const d = new Date(ms); Date.UTC(1, 2);"), []);
  assert.deepEqual(rules("sched/x.ts", "clock.setTimeout(f, 1); prng.random(); a.now();"), []);
});

Deno.test("layering: Deno in a faction is reported", () => {
  const v = checkSource("fs/x.ts", "Deno.readFileSync('x');");
  assert.deepEqual(v.map((x) => [x.rule, x.line]), [["host-api", 1]]);
});

Deno.test("layering: Deno in mod.ts is reported outside its doc comments", () => {
  const doc =
    "/**\n * ```ts\n * runImage(i, { console: (b) => Deno.stdout.writeSync(b) });\n * ```\n */\n";
  assert.deepEqual(rules("mod.ts", doc + "export const x = 1;"), []);
  assert.deepEqual(rules("mod.ts", doc + "export const args = Deno.args;"), ["host-api"]);
});

Deno.test("layering: the web page may use the browser's clock but not Deno or host randomness", () => {
  assert.deepEqual(rules("web/page.ts", "setTimeout(f, Date.now() % 16);"), []);
  assert.deepEqual(rules("web/page.ts", "Deno.exit(0);"), ["host-api"]);
  assert.deepEqual(rules("web/page.ts", "Math.random();"), ["determinism"]);
});

Deno.test("layering: comments and strings mentioning Date.now are not reported", () => {
  const src = "// never Date.now here\n/* nor Math.random */\n" +
    `const a = "Date.now() and Deno.exit";\nconst b = 'setTimeout';\nconst c = \`crypto \${1}\`;\n` +
    "const d = /Date\\.now|'/.test(a);\n";
  assert.deepEqual(rules("net/x.ts", src), []);
});

Deno.test("layering: host time inside a template substitution is reported", () => {
  assert.deepEqual(rules("net/x.ts", "const s = `t=${Date.now()}`;"), ["determinism"]);
});

// --- imports: forms, specifier kinds ---------------------------------------------------

Deno.test("layering: import specifiers are found in every form", () => {
  const src =
    `import a from "./a.ts";\nimport type { B } from "./b.ts";\nexport * from "./c.ts";\n` +
    `import "./d.ts";\nconst e = await import("./e.ts");\nimport {\n  f,\n  type G,\n} from "./f.ts";\n` +
    `export { h as default } from './h.ts';\nexport * as i from "./i.ts";\n` +
    'const j = await import(`./j.ts`);\ntype K = typeof import("./k.ts");\n' +
    `import l, { m } from "./l.ts" with { type: "json" };\nfoo()\nimport "./n.ts";\n`;
  assert.deepEqual(importsOf(src), [
    "./a.ts",
    "./b.ts",
    "./c.ts",
    "./d.ts",
    "./e.ts",
    "./f.ts",
    "./h.ts",
    "./i.ts",
    "./j.ts",
    "./k.ts",
    "./l.ts",
    "./n.ts",
  ]);
});

Deno.test("layering: imports in comments and strings are not imports", () => {
  const src = `// import "../arch/pic.ts";\n/* export * from "../sched/mod.ts"; */\n` +
    `const s = 'import x from "../host/tap.ts"';\nconst t = \`await import("../cli/cli.ts")\`;\n` +
    `const r = /from "x"/;\nArray.from("abc");\nobj.import("../arch/pic.ts");\n`;
  assert.deepEqual(importsOf(src), []);
  assert.deepEqual(rules("net/x.ts", src), []);
});

Deno.test("layering: a dynamic import of a literal is checked like a static one", () => {
  assert.deepEqual(rules("dev/vioif.ts", `const m = await import("../arch/ram.ts");`), [
    "layering",
  ]);
  assert.deepEqual(rules("dev/vioif.ts", "const m = await import(`../arch/ram.ts`);"), [
    "layering",
  ]);
});

Deno.test("layering: a template-literal dynamic import with substitutions is reported", () => {
  const v = checkSource("net/x.ts", "const m = await import(`../net/${name}.ts`);");
  assert.deepEqual(v.map((x) => [x.rule, x.line]), [["dynamic-import", 1]]);
});

Deno.test("layering: a dynamic import of a variable is reported outside cli/ and tests/", () => {
  assert.deepEqual(rules("rumprun/run.ts", "const m = await import(path);"), ["dynamic-import"]);
  assert.deepEqual(rules("cli/cli.ts", "const m = await import(`./${cmd}.ts`);"), []);
  assert.deepEqual(rules("tests/x_test.ts", "const m = await import(path);"), []);
});

Deno.test("layering: a JSR import is reported anywhere (the registry cannot be reached here)", () => {
  for (const file of ["net/x.ts", "cli/cli.ts", "tests/x_test.ts", "main.ts"]) {
    assert.deepEqual(rules(file, imp(`${JSR}@std/assert`)), ["no-jsr"], file);
  }
  assert.deepEqual(rules("tests/x_test.ts", `const m = await import("${JSR}@std/path");`), [
    "no-jsr",
  ]);
});

Deno.test("layering: node: and npm: imports in simulated code are reported", () => {
  assert.deepEqual(rules("net/x.ts", imp("node:buffer")), ["host-import"]);
  assert.deepEqual(rules("slirp/nat_udp.ts", imp("node:dgram")), ["host-import"]);
  assert.deepEqual(rules("images/x.ts", imp("npm:left-pad")), ["host-import"]);
  assert.deepEqual(rules("platform/hw/x.ts", imp("node:fs")), ["host-import"]);
});

Deno.test("layering: node: imports at the host edge pass", () => {
  for (const file of ["host/x.ts", "platform/hosted/x.ts", "cli/x.ts", "tests/x.ts", "web/x.ts"]) {
    assert.deepEqual(rules(file, imp("node:dgram")), [], file);
  }
});

// --- the tree --------------------------------------------------------------------------

Deno.test("layering: top-level folders importing one another in a circle are reported", () => {
  const v = checkSources({
    "cli/cli.ts": imp("../rumprun/run.ts"),
    "rumprun/run.ts": imp("../net/x.ts"),
    "net/x.ts": imp("../cli/flags.ts"),
    "net/y.ts": imp("../kernel/kern/errno.ts"),
  });
  const cycles = v.filter((x) => x.rule === "folder-cycle").map((x) => x.file);
  assert.deepEqual(cycles.sort(), ["cli/cli.ts", "net/x.ts", "rumprun/run.ts"]);
  // The net → cli import is also a layering violation in its own right.
  assert.ok(v.some((x) => x.rule === "layering" && x.file === "net/x.ts"));
});

Deno.test("layering: folders importing one way only are not a circle", () => {
  const v = checkSources({
    "cli/cli.ts": imp("../rumprun/run.ts") + imp("../net/x.ts"),
    "rumprun/run.ts": imp("../net/x.ts"),
    "net/x.ts": imp("../kernel/kern/errno.ts") + imp("./y.ts"),
  });
  assert.deepEqual(v, []);
});

Deno.test("layering: the tree walk skips hidden, generated and node_modules files", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const put = async (path: string, text: string) => {
      await Deno.mkdir(`${dir}/${path.split("/").slice(0, -1).join("/")}`, { recursive: true });
      await Deno.writeTextFile(`${dir}/${path}`, text);
    };
    await put("net/x.ts", "export const x = 1;");
    await put("stray.ts", "");
    await put(".git/hooks/x.ts", "Date.now();");
    await put(".cache/x.ts", "Date.now();");
    await put("node_modules/p/x.ts", "Date.now();");
    await put("images/.bake-httpd.ts", "Date.now();");
    await put("fs/x.md", "Date.now()");
    const { files, violations } = await checkTree(dir);
    assert.equal(files, 2);
    assert.deepEqual(violations.map((v) => [v.file, v.rule]), [["stray.ts", "unknown-area"]]);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
