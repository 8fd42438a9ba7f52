import assert from "node:assert/strict";
import { bake, bakeMain } from "../../cli/bake.ts";
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

Deno.test("compile: the hello image and the boot permissions go into an executable (fake runtime)", async () => {
  // deno compile appends the program to its runtime, denort, which it downloads unless
  // DENORT_BIN names one. These machines cannot download it, so the runtime here is a stand-in
  // ELF (/bin/true): everything up to running the executable is the real deno compile. What
  // this does not cover is the real runtime starting the embedded program; the test below
  // does, where DENORT_BIN names a real denort.
  const dir = await Deno.makeTempDir();
  try {
    const fake = `${dir}/denort`;
    await Deno.copyFile("/bin/true", fake);
    const r = await compile("hello", `${dir}/hello`, { env: { DENORT_BIN: fake } });
    assert.equal(r.code, 0, r.message);
    assert.equal(r.message, `compiled hello into ${dir}/hello`);
    const exe = await Deno.readFile(`${dir}/hello`);
    const text = new TextDecoder("latin1").decode(exe);
    assert.ok(exe.length > (await Deno.stat(fake)).size + 10_000);
    assert.ok(text.includes("Hello, world!"), "the hello app is embedded");
    assert.match(text, /"allow_net":\["127\.0\.0\.1"\]/);
    assert.match(text, /"allow_read":\[\]/); // [] is "everywhere"
    assert.match(text, /"allow_write":\[\]/);
    assert.ok(((await Deno.stat(`${dir}/hello`)).mode! & 0o111) !== 0, "executable");
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("compile: deno task compile runs with the task's permissions (temporary file outside .)", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const fake = `${dir}/denort`;
    await Deno.copyFile("/bin/true", fake);
    const root = new URL("../..", import.meta.url).pathname;
    const r = await new Deno.Command(Deno.execPath(), {
      args: ["task", "-q", "compile", "--image", "hello", "-o", `${dir}/hello`],
      cwd: root,
      env: { DENORT_BIN: fake, NO_COLOR: "1" },
      stdout: "piped",
      stderr: "piped",
    }).output();
    const err = new TextDecoder().decode(r.stderr);
    assert.equal(r.code, 0, err);
    assert.match(new TextDecoder().decode(r.stdout), /^compiled hello into /);
    const bad = await new Deno.Command(Deno.execPath(), {
      args: ["task", "-q", "compile"],
      cwd: root,
      stdout: "piped",
      stderr: "piped",
    }).output();
    assert.equal(bad.code, 2);
    assert.equal(
      new TextDecoder().decode(bad.stderr),
      "compile: name an image: --image NAME or --image-module FILE (see --help)\n",
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test({
  name: "compile: with a real runtime (DENORT_BIN) the executable boots the hello image",
  ignore: !Deno.env.get("DENORT_BIN"),
  async fn() {
    const dir = await Deno.makeTempDir();
    try {
      const r = await compile("hello", `${dir}/hello`);
      assert.equal(r.code, 0, r.message);
      const run = await new Deno.Command(`${dir}/hello`, { stdout: "piped" }).output();
      assert.equal(run.code, 0);
      assert.match(new TextDecoder().decode(run.stdout), /Hello, world!/);
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  },
});

Deno.test("bake: --help, an unknown flag and no arguments are one clear line", async () => {
  const root = new URL("../..", import.meta.url).pathname;
  const bakeCmd = async (...args: string[]) => {
    const r = await new Deno.Command(Deno.execPath(), {
      args: ["task", "-q", "bake", ...args],
      cwd: root,
      env: { NO_COLOR: "1" },
      stdout: "piped",
      stderr: "piped",
    }).output();
    const dec = new TextDecoder();
    return { code: r.code, out: dec.decode(r.stdout), err: dec.decode(r.stderr) };
  };
  const help = await bakeMain(["--help"]);
  assert.equal(help, 0);
  const none = await bakeCmd();
  assert.equal(none.code, 2);
  assert.equal(
    none.err,
    "bake: name an image: --image NAME, --image-module FILE or --wasm FILE (see --help)\n",
  );
  const unknown = await bakeCmd("--bogus");
  assert.equal(unknown.code, 2);
  assert.equal(unknown.err, "bake: unknown option --bogus\n");
  const h = await bakeCmd("--help");
  assert.equal(h.code, 0);
  assert.match(h.out, /^usage: deno task bake/);
  for (const r of [none, unknown, h]) assert.doesNotMatch(r.err, /^\s+at /m);
});

Deno.test("bake: the baked httpd serves when run with the very command bake prints", async () => {
  const dir = await Deno.makeTempDir();
  const root = new URL("../..", import.meta.url).pathname;
  try {
    const b = await new Deno.Command(Deno.execPath(), {
      args: ["task", "-q", "bake", "--image", "httpd", "-o", `${dir}/httpd.js`],
      cwd: root,
      env: { NO_COLOR: "1" },
      stdout: "piped",
      stderr: "piped",
    }).output();
    const said = /run it with: deno run (.*)$/m.exec(new TextDecoder().decode(b.stdout));
    assert.ok(said, new TextDecoder().decode(b.stderr));
    const child = new Deno.Command(Deno.execPath(), {
      args: ["run", ...said[1].split(" "), "--hostfwd", "tcp:127.0.0.1:0-:80"],
      cwd: dir,
      stdout: "piped",
      stderr: "piped",
    }).spawn();
    const reader = child.stdout.pipeThrough(new TextDecoderStream()).getReader();
    let out = "";
    let m: RegExpExecArray | null = null;
    while (!(m = /serving (http:\/\/127\.0\.0\.1:\d+\/)/.exec(out))) {
      const r = await reader.read();
      if (r.done) break;
      out += r.value;
    }
    try {
      assert.ok(m, out);
      const res = await fetch(new URL("hello.txt", m[1]));
      assert.equal(await res.text(), "hello from rumpsim\n");
    } finally {
      child.kill("SIGINT");
      for (let r = await reader.read(); !r.done; r = await reader.read()) out += r.value;
      await child.status;
      await child.stderr.cancel();
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
