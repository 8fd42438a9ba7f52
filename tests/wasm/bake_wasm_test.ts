/**
 * bake_wasm_test.ts — `deno task bake-wasm --wasm PROG.wasm -o FILE.js`: one JavaScript file
 * that boots the POSIX image running the embedded program with boot's flags and the
 * arguments after `--`; a module the loader refuses is one line and status 1.
 */
import assert from "node:assert/strict";
import { bakeWasmMain } from "../../cli/bake_wasm.ts";
import { buildC } from "./support.ts";

Deno.test("bake-wasm: the bundle carries the program and runs it without the .wasm file", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const wasm = `${dir}/hello.wasm`;
    await Deno.writeFile(wasm, await buildC("hello"));
    assert.equal(await bakeWasmMain(["--wasm", wasm, "-o", `${dir}/hello.js`]), 0);
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

Deno.test("bake-wasm: a module with an unknown import is refused before anything is written", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const wasm = `${dir}/unknown.wasm`;
    await Deno.writeFile(wasm, await buildC("unknown"));
    assert.equal(await bakeWasmMain(["--wasm", wasm, "-o", `${dir}/u.js`]), 1);
    assert.throws(() => Deno.statSync(`${dir}/u.js`));
    assert.equal(await bakeWasmMain([]), 2);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
