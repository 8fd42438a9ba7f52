/**
 * clients_test.ts — several clients of one server: a client blocked in accept does not
 * stop another; a client killed in the middle of a call (SIGKILL, or Ctrl-C's INTERRUPT)
 * leaves no process, descriptor or listening socket behind; a server that halts tells its
 * clients so in one line.
 */
import assert, { deepStrictEqual as assertEquals, match as assertMatch } from "node:assert/strict";
import type { PcbInfo } from "../../net/netinet_init.ts";
import { CTL, ctl, ROOT, sockPath, startServer, type TestServer, waitFor } from "./harness.ts";

const opts = { sanitizeOps: false, sanitizeResources: false };

function listening(s: TestServer, port: number): boolean {
  const pcbs = s.booted.kernel.sysctl.read("net.inet.pcblist") as PcbInfo[];
  return pcbs.some((p) => p.state === "LISTEN" && p.local.endsWith(`.${port}`));
}

function stats(s: TestServer): Record<string, number> {
  return s.booted.kernel.sysctl.read("kern.sysproxy") as Record<string, number>;
}

/** Starts `ctl ARGS` in the background. */
function spawnCtl(args: string[]): Deno.ChildProcess {
  return new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", CTL, ...args],
    cwd: ROOT,
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
}

Deno.test(
  "sysproxy: one client blocked in accept while another runs commands; killed, it leaves nothing",
  opts,
  async () => {
    const path = sockPath("two");
    const url = `unix:${path}`;
    const s = await startServer(url);
    try {
      const a = spawnCtl(["--server", url, "bulk", "recv", "5001"]);
      assert(await waitFor(() => listening(s, 5001)), "client A listens");
      // B runs while A waits in accept.
      const b = await ctl(["--server", url, "ls", "/"]);
      assertEquals(b.code, 0);
      assertMatch(b.stdout, /README/);
      const n = await ctl(["--server", url, "netstat", "-a"]);
      assertMatch(n.stdout, /\*\.5001 .*LISTEN/);
      // A's process stays; B's came and went (released once the server saw B hang up).
      assert(await waitFor(() => stats(s).live === 1), JSON.stringify(stats(s)));
      // A dies in the middle of accept: its process, descriptors and socket go.
      a.kill("SIGKILL");
      await a.status;
      assert(
        await waitFor(() => stats(s).live === 0 && !listening(s, 5001)),
        JSON.stringify(stats(s)),
      );
      // The port is free again: a new client can listen on it.
      const c = spawnCtl(["--server", url, "bulk", "recv", "5001"]);
      assert(await waitFor(() => listening(s, 5001)), "client C listens on the freed port");
      c.kill("SIGINT"); // Ctrl-C: an INTERRUPT, then the connection ends
      const st = await c.status;
      assertEquals(st.code, 130);
      assert(
        await waitFor(() => stats(s).live === 0 && !listening(s, 5001)),
        JSON.stringify(stats(s)),
      );
    } finally {
      await s.stop();
    }
  },
);

Deno.test("sysproxy: a server that halts gives its clients one clear line", opts, async () => {
  const path = sockPath("halt");
  const url = `unix:${path}`;
  const s = await startServer(url);
  let stopped = false;
  try {
    const a = spawnCtl(["--server", url, "bulk", "recv", "5002"]);
    assert(await waitFor(() => listening(s, 5002)));
    await s.stop();
    stopped = true;
    const out = await a.output();
    assertEquals(out.code, 1);
    assertEquals(new TextDecoder().decode(out.stderr), `ctl: ${url}: server halted\n`);
    // And afterwards, nobody is there.
    const r = await ctl(["--server", url, "ls"]);
    assertEquals(r.code, 1);
    assertMatch(r.stderr, /^ctl: unix:.*: cannot connect: /);
  } finally {
    if (!stopped) await s.stop();
  }
});
