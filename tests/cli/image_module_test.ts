/**
 * A user's own image module, written against the library (mod.ts), booted with
 * `--image-module` and baked the same way.
 */
import assert from "node:assert/strict";

const ROOT = new URL("../..", import.meta.url).pathname;
const MOD = new URL("../../mod.ts", import.meta.url).href;

const MY_IMAGE = `
import { components, type Image } from "${MOD}";

export const image: Image = {
  name: "greeter",
  description: "greets whoever is named on the command line",
  components: [components.rumpdev_pci],
  apps: [{
    app: {
      name: "greet",
      *main(sys, argv, env) {
        const text = \`hello, \${argv[1] ?? "world"} (\${env.MOOD ?? "calm"})\\n\`;
        yield* sys.write(1, new TextEncoder().encode(text));
        return argv[1] === "fail" ? 3 : 0;
      },
    },
    argv: [],
  }],
  config: { hostname: "greeter" },
};
`;

async function run(cmd: string, args: string[], cwd: string) {
  const r = await new Deno.Command(cmd, { args, cwd, stdout: "piped", stderr: "piped" })
    .output();
  const dec = new TextDecoder();
  return { code: r.code, out: dec.decode(r.stdout), err: dec.decode(r.stderr) };
}

Deno.test("image module: a user's image boots with --image-module, argv and --env", async () => {
  const dir = await Deno.makeTempDir();
  try {
    await Deno.writeTextFile(`${dir}/my_image.ts`, MY_IMAGE);
    const perms = ["--allow-read", "--allow-write", "--allow-net=127.0.0.1"];
    const r = await run(
      Deno.execPath(),
      [
        "run",
        ...perms,
        `${ROOT}main.ts`,
        "--image-module",
        "my_image.ts",
        "--env",
        "MOOD=glad",
        "--",
        "Ada",
      ],
      dir,
    );
    assert.equal(r.code, 0, r.err);
    assert.match(r.out, /rumpsim image "greeter"/);
    assert.match(r.out, /\nhello, Ada \(glad\)\n/);
    const f = await run(
      Deno.execPath(),
      ["run", ...perms, `${ROOT}main.ts`, "--image-module", `${dir}/my_image.ts`, "--", "fail"],
      ROOT,
    );
    assert.equal(f.code, 3);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("image module: bake --image-module writes a bundle that boots the user's image", async () => {
  const dir = await Deno.makeTempDir();
  try {
    await Deno.writeTextFile(`${dir}/my_image.ts`, MY_IMAGE);
    const b = await run(
      Deno.execPath(),
      ["task", "-q", "bake", "--image-module", `${dir}/my_image.ts`, "-o", `${dir}/greeter.js`],
      ROOT,
    );
    assert.equal(b.code, 0, b.err);
    const said = /run it with: (deno run .*)$/m.exec(b.out);
    assert.ok(said, b.out);
    // The command bake prints is the one that works.
    const words = said[1].split(" ");
    const r = await run(Deno.execPath(), [...words.slice(1), "--", "Bo"], dir);
    assert.equal(r.code, 0, r.err);
    assert.match(r.out, /\nhello, Bo \(calm\)\n/);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("deadlock: the report names each thread's wait and points at a console read", async () => {
  const dir = await Deno.makeTempDir();
  try {
    await Deno.writeTextFile(
      `${dir}/reader.ts`,
      `import { components, type Image } from "${MOD}";
export const image: Image = {
  name: "reader",
  description: "reads its console",
  components: [components.rumpdev_pci],
  apps: [{ app: { name: "cat", *main(sys) { yield* sys.read(0, new Uint8Array(16)); return 0; } }, argv: [] }],
  config: {},
};
`,
    );
    const r = await run(
      Deno.execPath(),
      ["run", "--allow-read", `${ROOT}main.ts`, "--image-module", "reader.ts"],
      dir,
    );
    assert.equal(r.code, 1, r.err);
    assert.match(r.out, /rumpsim: deadlock: every thread waits and nothing can wake one:\n/);
    assert.match(r.out, /\n {2}cat waiting on cv "consin"\n/);
    assert.match(
      r.out,
      /\nrumpsim: likely cause: an app reads the console, and a virtual-time run has no input/,
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
