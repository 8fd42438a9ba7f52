import assert from "node:assert/strict";
import { bake } from "../../cli/bake.ts";
import { compile } from "../../cli/compile.ts";

Deno.test("bake: the hello image becomes one JS file that boots with deno run", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const out = `${dir}/hello.js`;
    const r = await bake("hello", out);
    assert.ok(r.bytes > 10_000);
    const js = await Deno.readTextFile(out);
    // Only the named components are linked: no file system or network faction code.
    for (const absent of ["Ext2Volume", "rumpfs_tmpfs", "rumpnet_netinet", "TcpStack"]) {
      assert.ok(!js.includes(absent), `the hello bundle contains ${absent}`);
    }
    assert.ok(js.includes("rumpdev_pci"), "the image's own component is in it");
    const run = await new Deno.Command(Deno.execPath(), {
      args: ["run", "--quiet", out, "--seed", "5", "--", "baked"],
      stdout: "piped",
      stderr: "piped",
    }).output();
    const text = new TextDecoder().decode(run.stdout);
    assert.equal(run.code, 0, new TextDecoder().decode(run.stderr));
    assert.match(text, /^rumpsim: seed 5, virtual time/);
    assert.match(text, /Hello, world! baked/);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("bake: an unknown image is refused with the list of images", async () => {
  await assert.rejects(() => bake("nope", "/tmp/never.js"), /no image "nope" \(images: .*hello/);
});

Deno.test({
  name: "compile: the hello image becomes a single executable",
  // deno compile downloads its runtime (denort) unless DENORT_BIN names a local copy;
  // these machines cannot reach the download host.
  ignore: !Deno.env.get("DENORT_BIN"),
  async fn() {
    const dir = await Deno.makeTempDir();
    try {
      const r = await compile("hello", `${dir}/hello`);
      assert.equal(r.code, 0, r.message);
      const run = await new Deno.Command(`${dir}/hello`, { stdout: "piped" }).output();
      assert.equal(run.code, 0);
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  },
});
