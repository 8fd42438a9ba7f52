/**
 * realtime_hostfwd_test.ts — a C server (tests/wasm/c/minihttpd.c: poll and non-blocking
 * sockets) in the POSIX image in realtime, reached from the host through --hostfwd: GET
 * byte-exact, HEAD, 404, two requests on one kept-alive connection, 50 concurrent clients.
 */
import assert from "node:assert/strict";
import { buildC } from "./support.ts";

const PASSWD = "root:*:0:0:Charlie &:/root:/bin/sh\n"; // images/posix.ts's /etc/passwd

Deno.test("a C server in the POSIX image serves the host through hostfwd: GET, HEAD, 404, keep-alive, 50 clients", async () => {
  const wasm = await Deno.makeTempFile({ suffix: ".wasm" });
  await Deno.writeFile(wasm, await buildC("minihttpd"));
  const root = new URL("../..", import.meta.url).pathname;
  const child = new Deno.Command(Deno.execPath(), {
    args: [
      "run",
      "-A",
      "main.ts",
      "--wasm",
      wasm,
      "--hostfwd",
      "tcp:127.0.0.1:0-:80",
      "--",
      "80",
      "/etc",
    ],
    cwd: root,
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  const reader = child.stdout.pipeThrough(new TextDecoderStream()).getReader();
  let out = "";
  try {
    let m: RegExpExecArray | null = null;
    while (!(m = /serving (http:\/\/127\.0\.0\.1:\d+\/)/.exec(out))) {
      const r = await reader.read();
      if (r.done) break;
      out += r.value;
    }
    assert.ok(m, out);
    const base = m[1];
    const get = await fetch(new URL("passwd", base));
    assert.equal(get.status, 200);
    assert.equal(await get.text(), PASSWD);
    const head = await fetch(new URL("hosts", base), { method: "HEAD" });
    assert.equal(head.status, 200);
    assert.equal(head.headers.get("content-length"), "75");
    assert.equal(await head.text(), "");
    const missing = await fetch(new URL("nothing-here", base));
    assert.equal(missing.status, 404);
    assert.equal(await missing.text(), "not found\n");

    // Two requests on one connection: the second is answered on the same socket.
    const port = Number(new URL(base).port);
    const conn = await Deno.connect({ hostname: "127.0.0.1", port });
    const req = "GET /passwd HTTP/1.1\r\nHost: x\r\n\r\n";
    await conn.write(
      new TextEncoder().encode(req + req.replace("\r\n\r\n", "\r\nConnection: close\r\n\r\n")),
    );
    let text = "";
    const buf = new Uint8Array(4096);
    for (let n = await conn.read(buf); n !== null; n = await conn.read(buf)) {
      text += new TextDecoder().decode(buf.subarray(0, n));
    }
    conn.close();
    assert.equal(text.split("HTTP/1.1 200 OK").length - 1, 2, text);
    assert.equal(text.split(PASSWD).length - 1, 2, text);

    const bodies = await Promise.all(
      Array.from({ length: 50 }, async () => (await fetch(new URL("group", base))).text()),
    );
    assert.deepEqual(new Set(bodies), new Set(["wheel:*:0:root\n"]));
  } finally {
    child.kill("SIGINT");
    for (let r = await reader.read(); !r.done; r = await reader.read()) out += r.value;
    await child.status;
    await child.stderr.cancel();
    await Deno.remove(wasm);
  }
});
