/**
 * ctl_interrupt_test.ts — Ctrl-C in `ctl`: in the interactive shell it interrupts the
 * running command (SIGINT to the foreground job: the command ends with 130) and the shell
 * goes on to its next command; running one command, it ends the command and ctl (130).
 * SIGINT is sent to a real ctl process, its stdin a pipe (no terminal needed).
 */
import assert, { deepStrictEqual as assertEquals, match as assertMatch } from "node:assert/strict";
import { CTL, ROOT, sockPath, startServer, type TestServer, waitFor } from "./harness.ts";

const opts = { sanitizeOps: false, sanitizeResources: false };

type RP = { pid: number; name: string; call: string };
const procs = (s: TestServer) => s.booted.kernel.sysctl.read("kern.sysproxy_procs") as RP[];
const sleeping = (s: TestServer) =>
  procs(s).some((p) => p.name === "sleep" && p.call === "nanosleep");

function spawnCtl(args: string[]): Deno.ChildProcess {
  return new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", CTL, ...args],
    cwd: ROOT,
    stdin: "piped",
    stdout: "piped",
    stderr: "piped",
    env: { NO_COLOR: "1" },
  }).spawn();
}

Deno.test(
  "sysproxy: Ctrl-C in the ctl shell interrupts the command, and the shell goes on",
  opts,
  async () => {
    const url = `unix:${sockPath("ctl-sigint")}`;
    const s = await startServer(url);
    try {
      const c = spawnCtl(["--server", url]);
      const w = c.stdin.getWriter();
      await w.write(new TextEncoder().encode("sleep 100\necho after $?\n"));
      assert(await waitFor(() => sleeping(s)), JSON.stringify(procs(s)));
      c.kill("SIGINT");
      // The sleep goes; the shell stays.
      assert(await waitFor(() => !sleeping(s)), JSON.stringify(procs(s)));
      assert(procs(s).some((p) => p.name === "sh"), "the shell survives Ctrl-C");
      await w.close();
      const out = await c.output();
      const dec = new TextDecoder();
      assertEquals(out.code, 0, dec.decode(out.stderr));
      assertMatch(dec.decode(out.stdout), /after 130\n/); // 128 + SIGINT
    } finally {
      await s.stop();
    }
  },
);

Deno.test(
  "sysproxy: Ctrl-C in ctl running one command ends it and ctl with 130",
  opts,
  async () => {
    const url = `unix:${sockPath("ctl-sigint-cmd")}`;
    const s = await startServer(url);
    try {
      const c = spawnCtl(["--server", url, "sleep", "100"]);
      await c.stdin.close();
      assert(await waitFor(() => sleeping(s)), JSON.stringify(procs(s)));
      c.kill("SIGINT");
      const st = await c.output();
      assertEquals(st.code, 130);
      assert(await waitFor(() => procs(s).length === 0), JSON.stringify(procs(s)));
    } finally {
      await s.stop();
    }
  },
);
