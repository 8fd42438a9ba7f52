/**
 * bake_wasm_test.ts — `deno task bake --wasm PROG.wasm -o FILE.js`: one JavaScript file
 * that boots the POSIX image running the embedded program with boot's flags and the
 * arguments after `--`; a module the loader refuses, or a file that is not there, is one
 * line and status 1 with nothing written; --wasm beside --image, or --net without --wasm,
 * is a usage line and status 2.
 */
import assert from "node:assert/strict";
import { bakeMain } from "../../cli/bake.ts";
import { buildC } from "./support.ts";

/** Runs `fn` with console.error captured; its status and the captured lines. */
async function captureErr(fn: () => Promise<number>): Promise<{ code: number; err: string[] }> {
  const err: string[] = [];
  const orig = console.error;
  console.error = (...a: unknown[]) => err.push(a.join(" "));
  try {
    return { code: await fn(), err };
  } finally {
    console.error = orig;
  }
}

Deno.test("bake --wasm: the bundle carries the program and runs it without the .wasm file", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const wasm = `${dir}/hello.wasm`;
    await Deno.writeFile(wasm, await buildC("hello"));
    assert.equal(await bakeMain(["--wasm", wasm, "-o", `${dir}/hello.js`]), 0);
    await Deno.remove(wasm);
    const r = await new Deno.Command(Deno.execPath(), {
      args: ["run", "--allow-read", "--allow-write", `${dir}/hello.js`, "--", "x", "5"],
      stdout: "piped",
      stderr: "piped",
    }).output();
    const out = new TextDecoder().decode(r.stdout);
    assert.match(out, /hello from wasm: argc=3 pid=\d+ \[hello\] \[x\] \[5\]/);
    assert.equal(r.code, 5);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("bake --wasm: a module with an unknown import is refused before anything is written", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const wasm = `${dir}/unknown.wasm`;
    await Deno.writeFile(wasm, await buildC("unknown"));
    const r = await captureErr(() => bakeMain(["--wasm", wasm, "-o", `${dir}/u.js`]));
    assert.equal(r.code, 1);
    assert.deepEqual(r.err, ["bake: --wasm: unknown: unknown import env.frobnicate (function)"]);
    assert.throws(() => Deno.statSync(`${dir}/u.js`));
    const gone = await captureErr(() =>
      bakeMain(["--wasm", `${dir}/no.wasm`, "-o", `${dir}/n.js`])
    );
    assert.deepEqual(gone, {
      code: 1,
      err: [`bake: --wasm: cannot read ${dir}/no.wasm: no such file`],
    });
    assert.throws(() => Deno.statSync(`${dir}/n.js`));
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("bake --wasm with --image or --image-module, or --net alone, is one usage line, status 2", async () => {
  for (const other of [["--image", "hello"], ["--image-module", "./x.ts"]]) {
    assert.deepEqual(await captureErr(() => bakeMain(["--wasm", "x.wasm", ...other])), {
      code: 2,
      err: ["bake: --wasm: bakes the POSIX image; give no --image or --image-module"],
    });
  }
  assert.deepEqual(await captureErr(() => bakeMain(["--image", "hello", "--net"])), {
    code: 2,
    err: ["bake: --net: only with --wasm"],
  });
});
