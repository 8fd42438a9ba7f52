import assert from "node:assert/strict";
import { checkSource, checkTree, importsOf } from "./layering_rules.ts";

const root = new URL("..", import.meta.url).pathname.replace(/\/$/, "");

Deno.test("layering: no file in the tree breaks DESIGN.md's import or determinism rules", async () => {
  const { files, violations } = await checkTree(root);
  assert.ok(files > 20, `read ${files} files`);
  assert.deepEqual(violations, []);
});

Deno.test("layering: a faction importing arch/ or sched/ is reported", () => {
  const v1 = checkSource("net/ip_input.ts", `import { Pic } from "../arch/pic.ts";`);
  assert.deepEqual(v1.map((v) => v.rule), ["layering"]);
  const v2 = checkSource("fs/tmpfs/x.ts", `export { Mutex } from "../../sched/mutex.ts";`);
  assert.deepEqual(v2.map((v) => v.rule), ["layering"]);
  const v3 = checkSource("kernel/dev/vioif.ts", `const m = await import("../../arch/ram.ts");`);
  assert.deepEqual(v3.map((v) => v.rule), ["layering"]);
});

Deno.test("layering: sched/ importing anything of the project and apps/ reaching past the API are reported", () => {
  assert.equal(checkSource("sched/x.ts", `import "../kernel/kern/errno.ts";`).length, 1);
  assert.equal(
    checkSource("apps/x.ts", `import { Kernel } from "../kernel/kern/kernel.ts";`).length,
    1,
  );
  assert.equal(
    checkSource("apps/x.ts", `import type { Sys } from "../kernel/syscall/api.ts";`).length,
    0,
  );
  assert.equal(
    checkSource("arch/pic.ts", `import { Scheduler } from "../sched/mod.ts";`).length,
    0,
  );
  assert.equal(
    checkSource("kernel/platform/hw/boot.ts", `import "../../../arch/mod.ts";`).length,
    0,
  );
  assert.equal(
    checkSource("kernel/platform/hosted/x.ts", `import "../../../arch/mod.ts";`).length,
    1,
  );
});

Deno.test("layering: host time, randomness and Deno in simulated code are reported, not in comments", () => {
  const bad = checkSource("net/tcp/isn.ts", "const t = Date.now(); const r = Math.random();");
  assert.deepEqual(bad.map((v) => v.detail), ["uses Date.now", "uses Math.random"]);
  assert.equal(checkSource("kernel/x.ts", "setTimeout(() => {}, 1);").length, 1);
  assert.equal(checkSource("fs/x.ts", "Deno.readFileSync('x');")[0].rule, "host-api");
  assert.equal(checkSource("net/x.ts", "// never Date.now here\n/* nor Math.random */").length, 0);
  assert.equal(checkSource("arch/realtime.ts", "performance.now();").length, 0);
  assert.equal(checkSource("kernel/platform/hosted/x.ts", "Date.now(); Deno.stdout;").length, 0);
});

Deno.test("layering: import specifiers are found in every form", () => {
  const src =
    `import a from "./a.ts";\nimport type { B } from "./b.ts";\nexport * from "./c.ts";\n` +
    `import "./d.ts";\nconst e = await import("./e.ts");\nimport {\n  f,\n} from "./f.ts";`;
  assert.deepEqual(importsOf(src), ["./a.ts", "./b.ts", "./c.ts", "./d.ts", "./e.ts", "./f.ts"]);
});

Deno.test("layering: a JSR import is reported (the registry cannot be reached here)", () => {
  const v = checkSource("net/x.ts", `import { assert } from "${"jsr"}:@std/assert";`);
  assert.deepEqual(v.map((x) => x.rule), ["no-jsr"]);
});
