/**
 * cli/web.ts without a browser: what `deno task web --out DIR` writes, that each image's
 * worker links only its own components, and what the server answers.
 */
import assert from "node:assert/strict";
import { buildWeb, serveWeb } from "../../cli/web.ts";
import { loadImage } from "../../cli/catalog.ts";
import { IMAGES } from "../../images/mod.ts";
import { isWorld } from "../../rumprun/world.ts";

Deno.test("web: the build writes the page, the catalogue and one worker per image", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const b = await buildWeb(dir);
    const files = [...Deno.readDirSync(dir)].map((e) => e.name).sort();
    const names = Object.keys(IMAGES).sort();
    assert.deepEqual(
      files,
      [
        ...names.map((n) => `image-${n}.js`),
        "images.json",
        "index.html",
        "page.js",
        "style.css",
        "xterm.css",
      ].sort(),
    );
    const catalogue = JSON.parse(await Deno.readTextFile(`${dir}/images.json`));
    const flags = Object.fromEntries(
      catalogue.map((i: { name: string; network: boolean; interactive: boolean }) => [
        i.name,
        [i.network, i.interactive],
      ]),
    );
    assert.deepEqual(Object.keys(flags).sort(), names);
    assert.deepEqual(flags.hello, [false, false]);
    assert.deepEqual(flags.httpd, [true, false]);
    assert.deepEqual(flags["net-demo"], [true, false]);
    assert.deepEqual(flags.shell, [false, true]);
    const hello = await Deno.readTextFile(`${dir}/image-hello.js`);
    for (const absent of ["TcpStack", "rumpfs_tmpfs", "webreq", "Ext2Volume"]) {
      assert.ok(!hello.includes(absent), `the hello worker contains ${absent}`);
    }
    assert.ok(hello.includes("rumpdev_com"));
    assert.ok((await Deno.readTextFile(`${dir}/image-httpd.js`)).includes("webreq"));
    // The shell's root tree was packed at build time and rides in its worker.
    const shell = await loadImage(IMAGES.shell);
    const tree = !isWorld(shell) && shell.root ? shell.root : new Uint8Array();
    let b64 = "";
    for (const x of tree) b64 += String.fromCharCode(x);
    assert.ok(tree.length > 0);
    assert.ok((await Deno.readTextFile(`${dir}/image-shell.js`)).includes(btoa(b64)));
    for (const i of b.images) assert.ok(i.bytes > 50_000, `${i.name}: ${i.bytes} bytes`);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

/** Where a bundle says module `path` begins (deno bundle keeps a `// path` line per module). */
const moduleLine = (path: string) => new RegExp(`^// (?:.*/)?${path}$`, "m");

Deno.test("web: the bundles reference no Deno API and the workers carry no host/ module", async () => {
  const dir = await Deno.makeTempDir();
  try {
    await buildWeb(dir);
    const bundles = [...Deno.readDirSync(dir)].map((e) => e.name).filter((f) => f.endsWith(".js"));
    assert.ok(bundles.length >= 2 && bundles.includes("page.js"), bundles.join(", "));
    for (const f of bundles) {
      const js = await Deno.readTextFile(`${dir}/${f}`);
      // No use of the Deno namespace: no member or index access, no test for it. The one
      // word "Deno" left is prose (httpd's index page: "...in TypeScript on Deno. With...").
      assert.doesNotMatch(js, /\bDeno\s*(?:\?\.|\.(?=[A-Za-z_$])|\[)/, `${f}: Deno.x`);
      assert.doesNotMatch(
        js,
        /\b(?:typeof|in|instanceof)\s+Deno\b|\.\s*Deno\b|[=(,:]\s*Deno\b/,
        `${f}: a reference to Deno`,
      );
      if (f === "page.js") continue;
      // A worker: the machine's layers are there (so the markers below are seen) and no
      // host/ module is (rumprun/ takes its realtime host from the caller).
      assert.match(js, moduleLine("rumprun/run\\.ts"), `${f}: no rumprun/run.ts marker`);
      assert.match(js, moduleLine("web/machine_worker\\.ts"), f);
      assert.doesNotMatch(js, moduleLine("host/[\\w/]+\\.ts"), `${f} bundles a host/ module`);
      assert.doesNotMatch(js, moduleLine("cli/[\\w/]+\\.ts"), `${f} bundles a cli/ module`);
      assert.doesNotMatch(js, /class RealtimeClock\b|function hostRealtime\b/, f);
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("web: the server answers with the built files only", async () => {
  const dir = await Deno.makeTempDir();
  await Deno.writeTextFile(`${dir}/index.html`, "<p>hi</p>");
  await Deno.writeTextFile(`${dir}/page.js`, "1;");
  const server = serveWeb(dir, 0);
  const base = `http://127.0.0.1:${server.addr.port}`;
  try {
    const get = async (p: string) => {
      const r = await fetch(base + p);
      return [r.status, r.headers.get("content-type"), await r.text()];
    };
    assert.deepEqual(await get("/"), [200, "text/html; charset=utf-8", "<p>hi</p>"]);
    assert.deepEqual(await get("/page.js"), [200, "text/javascript; charset=utf-8", "1;"]);
    assert.equal((await get("/missing.js"))[0], 404);
    assert.equal((await get("/%2e%2e/%2e%2e/etc/passwd"))[0], 404);
    assert.equal((await get("/.hidden"))[0], 404);
  } finally {
    await server.shutdown();
    await Deno.remove(dir, { recursive: true });
  }
});
