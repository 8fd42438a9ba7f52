/**
 * boot_flag_test.ts — `--sysproxy URL` through the command line: a bad URL or a world is
 * one line and status 2; `main.ts --image httpd --sysproxy tcp:0` (any image, realtime)
 * serves ctl — ping and wget from inside the guest's network — next to the image's own
 * app, and Ctrl-C stops it and removes its token file.
 */
import assert, { deepStrictEqual as assertEquals, match as assertMatch } from "node:assert/strict";
import { parseCli, UsageError } from "../../cli/cli.ts";
import { DEFAULT_IMAGE, IMAGES } from "../../images/mod.ts";
import { ctl, ROOT } from "./harness.ts";

const catalog = { images: IMAGES, defaultImage: DEFAULT_IMAGE };

Deno.test("sysproxy: --sysproxy takes unix:PATH and tcp:[ADDR:]PORT, and refuses anything else in one line", () => {
  assertEquals(parseCli(["--sysproxy", "unix:x.sock"], catalog).sysproxy, "unix:x.sock");
  assertEquals(parseCli(["--sysproxy", "tcp:9999"], catalog).sysproxy, "tcp:9999");
  for (
    const [bad, why] of [
      ["http://x", /is not unix:PATH or tcp:ADDR:PORT/],
      ["tcp:1.2.3:80", /is not an IPv4 address/],
      ["tcp:127.0.0.1:70000", /port 70000 is out of range/],
    ] as const
  ) {
    assert.throws(
      () => parseCli(["--sysproxy", bad], catalog),
      (e: unknown) =>
        e instanceof UsageError && /^--sysproxy: /.test(e.message) && why.test(e.message),
    );
  }
});

Deno.test(
  "sysproxy: boot --sysproxy serves ctl beside the image's own app, and Ctrl-C ends it cleanly",
  { sanitizeOps: false, sanitizeResources: false },
  async () => {
    const child = new Deno.Command(Deno.execPath(), {
      args: [
        "run",
        "-A",
        "main.ts",
        "--image",
        "httpd",
        "--sysproxy",
        "tcp:0",
        "--hostfwd",
        "tcp:127.0.0.1:0-:80",
      ],
      cwd: ROOT,
      stdin: "null",
      stdout: "piped",
      stderr: "piped",
    }).spawn();
    const reader = child.stdout.pipeThrough(new TextDecoderStream()).getReader();
    let out = "";
    let url = "";
    while (!url) {
      const { value, done } = await reader.read();
      if (done) throw new Error(`the server ended:\n${out}`);
      out += value;
      url = /sysproxy: serving on (tcp:127\.0\.0\.1:\d+)/.exec(out)?.[1] ?? "";
    }
    const token = `.sysproxy-127.0.0.1-${url.split(":").pop()}.token`;
    try {
      const n = await ctl(["--server", url, "netstat", "-a"]);
      assertEquals(n.code, 0, n.stderr);
      assertMatch(n.stdout, /\*\.80 .*LISTEN/); // httpd, the image's app, listens
      const p = await ctl(["--server", url, "ping", "-c", "1", "10.0.2.2"]);
      assertEquals(p.code, 0, p.stderr);
      assertMatch(p.stdout, /1 packets transmitted, 1 packets received/);
      const w = await ctl(["--server", url, "wget", "http://10.0.2.15/hello.txt"]);
      assertEquals(w.code, 0, w.stderr);
      assertMatch(w.stdout + w.stderr, /hello from rumpsim/);
    } finally {
      child.kill("SIGINT");
      const st = await child.status;
      (async () => {
        for (;;) if ((await reader.read()).done) break;
      })();
      await child.stderr.cancel();
      assertEquals(st.code, 0);
    }
    assert(
      !(await Deno.stat(`${ROOT}${token}`).then(() => true, () => false)),
      "token file removed",
    );
  },
);
