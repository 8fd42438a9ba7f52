/**
 * `deno task check` ignores what runs leave in the tree: a baked bundle, a trace (JSON),
 * anything under out/. deno.json's fmt and lint excludes say so; this runs deno fmt and
 * deno lint on such files beside a source file and expects only the source file checked.
 */
import assert from "node:assert/strict";

const ROOT = new URL("../..", import.meta.url).pathname;

async function deno(args: string[]) {
  const r = await new Deno.Command(Deno.execPath(), {
    args,
    cwd: ROOT,
    env: { NO_COLOR: "1" },
    stdout: "piped",
    stderr: "piped",
  }).output();
  const dec = new TextDecoder();
  return { code: r.code, text: dec.decode(r.stdout) + dec.decode(r.stderr) };
}

Deno.test("check: a baked bundle, a trace and out/ in the tree are not formatted or linted", async () => {
  const tag = `zz_generated_${Deno.pid}`;
  const files = [`${tag}.js`, `${tag}.json`, `out/${tag}.ts`];
  await Deno.mkdir(`${ROOT}out`, { recursive: true });
  try {
    await Deno.writeTextFile(`${ROOT}${tag}.js`, "var  x=1;;\n");
    await Deno.writeTextFile(`${ROOT}${tag}.json`, '{"traceEvents":[\n{"ts":0}]}');
    await Deno.writeTextFile(`${ROOT}out/${tag}.ts`, "var  y=2\n");
    const fmt = await deno(["fmt", "--check", "mod.ts", ...files]);
    assert.equal(fmt.code, 0, fmt.text);
    assert.match(fmt.text, /Checked 1 file/);
    const lint = await deno(["lint", "mod.ts", ...files]);
    assert.equal(lint.code, 0, lint.text);
    assert.match(lint.text, /Checked 1 file/);
    // deno.json itself is still formatted.
    assert.match((await deno(["fmt", "--check", "deno.json"])).text, /Checked 1 file/);
  } finally {
    for (const f of files) await Deno.remove(`${ROOT}${f}`).catch(() => {});
  }
});
