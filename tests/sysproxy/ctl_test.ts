/**
 * ctl_test.ts — `deno task ctl` against a server booted in the test (harness.ts): each
 * tool's output equals the same tool's run inside the same kernel; a shell and its
 * children; exit statuses and errors as inside.
 */
import assert, { deepStrictEqual as assertEquals, match as assertMatch } from "node:assert/strict";
import { ctl, sockPath, startServer, waitFor } from "./harness.ts";

const opts = { sanitizeOps: false, sanitizeResources: false };

Deno.test(
  "sysproxy: ctl tools print what the same tool prints inside the image",
  opts,
  async () => {
    const path = sockPath("same");
    const s = await startServer(`unix:${path}`);
    try {
      const cases = [
        ["ifconfig"],
        ["netstat", "-s"],
        ["netstat", "-r"],
        ["ls", "-l", "/"],
        ["ls", "-la", "/etc"],
        ["cat", "/etc/motd"],
        ["stat", "/README"],
        ["df"],
        ["mount"],
        ["cat", "/no/such/file"],
      ];
      for (const argv of cases) {
        const inside = await s.inside(argv);
        const remote = await ctl(["--server", `unix:${path}`, ...argv]);
        assertEquals(remote.stdout + remote.stderr, inside.out, `${argv.join(" ")}: output`);
        assertEquals(remote.code, inside.status, `${argv.join(" ")}: status`);
      }
    } finally {
      await s.stop();
    }
  },
);

Deno.test(
  "sysproxy: a remote shell runs commands, pipelines and redirections in the kernel",
  opts,
  async () => {
    const path = sockPath("sh");
    const s = await startServer(`unix:${path}`);
    try {
      const url = `unix:${path}`;
      const r = await ctl([
        "--server",
        url,
        "sh",
        "-c",
        "cat /etc/motd > /tmp/m; cat /tmp/m | cat; exit 3",
      ]);
      assertEquals(r.code, 3);
      assertMatch(r.stdout, /^Welcome to rumpsim/);
      // The file the first client made is in the kernel: a second client sees it.
      const r2 = await ctl(["--server", url, "ls", "/tmp"]);
      assertEquals(r2.stdout, "m\n");
      // Interactive: the prompt names the server; commands come from stdin.
      const r3 = await ctl(["--server", url], { stdin: "cd /etc\npwd\necho $?\n" });
      assertEquals(r3.code, 0);
      assertEquals(r3.stdout, "/etc\n0\n");
      assert(r3.stderr.includes(`server:${url}$ `), r3.stderr);
      // Every process the clients made (3 connections, the shells' children) is released.
      const st = () => s.booted.kernel.sysctl.read("kern.sysproxy") as Record<string, number>;
      assert(await waitFor(() => st().live === 0), JSON.stringify(st()));
      assert(st().procs >= 6, JSON.stringify(st()));
    } finally {
      await s.stop();
    }
  },
);

Deno.test("sysproxy: ctl refuses bad usage in one line", opts, async () => {
  const r = await ctl(["ls"]);
  assertEquals(r.code, 2);
  assertEquals(r.stderr, "ctl: no server: give --server URL or set RUMP_SERVER\n");
  const r2 = await ctl(["--server", "bogus:x", "ls"]);
  assertEquals(r2.code, 2);
  assertMatch(r2.stderr, /^ctl: --server: "bogus:x" is not unix:PATH or tcp:ADDR:PORT\n$/);
  const r3 = await ctl(["--server", "unix:/tmp/rumpsim-no-such.sock", "nosuchprog"]);
  assertEquals(r3.code, 127);
  assertMatch(r3.stderr, /^ctl: nosuchprog: no such program \(programs: .*\)\n$/);
  const r4 = await ctl(["--server", "unix:/tmp/rumpsim-no-such.sock", "ls"]);
  assertEquals(r4.code, 1);
  assertMatch(r4.stderr, /^ctl: unix:\/tmp\/rumpsim-no-such.sock: cannot connect: .*\n$/);
});
