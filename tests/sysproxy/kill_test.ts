/**
 * kill_test.ts — kill(2) across the kernel's process table: a remote shell kills its own
 * background child; a remote process kills one of the image's processes; an image process
 * kills a remote process blocked in a call, whose client is told with a KILLED frame and
 * exits with the signal's status; a pid that names nobody is ESRCH.
 */
import assert, { deepStrictEqual as assertEquals, match as assertMatch } from "node:assert/strict";
import { AppRunner } from "../../kernel/syscall/exec.ts";
import { CTL_APPS } from "../../cli/ctl_apps.ts";
import { CTL, ctl, ROOT, sockPath, startServer, waitFor } from "./harness.ts";

const opts = { sanitizeOps: false, sanitizeResources: false };

Deno.test(
  "sysproxy: a remote shell kills its background child (sleep 100 & kill $!)",
  opts,
  async () => {
    const url = `unix:${sockPath("kill-child")}`;
    const s = await startServer(url);
    try {
      const r = await ctl([
        "--server",
        url,
        "sh",
        "-c",
        "sleep 100 & kill $!; wait $!; echo status $?",
      ]);
      assertEquals(r.code, 0, r.stderr);
      assertEquals(r.stdout, "status 143\n"); // 128 + SIGTERM
      assert(
        await waitFor(() =>
          (s.booted.kernel.sysctl.read("kern.sysproxy") as { live: number }).live === 0
        ),
      );
    } finally {
      await s.stop();
    }
  },
);

Deno.test(
  "sysproxy: a remote process kills the image's process, and ESRCH for nobody",
  opts,
  async () => {
    const url = `unix:${sockPath("kill-image")}`;
    const s = await startServer(url);
    try {
      const b = s.booted;
      const m = b.machine;
      let p: ReturnType<AppRunner["start"]> | null = null;
      m.sched.events.at(m.sched.clock.now(), () => {
        p = new AppRunner(b.kernel, CTL_APPS).start("sleep", ["sleep", "100"], {});
      });
      m.waiter!.kick();
      assert(await waitFor(() => p !== null));
      const target = p! as { pid: number; exited: boolean; status: number | null };
      const r = await ctl(["--server", url, "kill", String(target.pid)]);
      assertEquals(r.code, 0, r.stderr);
      assert(await waitFor(() => target.exited), "the image's sleep was killed");
      assertEquals(target.status, 143);
      const none = await ctl(["--server", url, "kill", "4242"]);
      assertEquals(none.code, 1);
      assertMatch(none.stderr, /kill: 4242: No such process/);
    } finally {
      await s.stop();
    }
  },
);

Deno.test(
  "sysproxy: an image process kills a remote one in a call; its client gets KILLED",
  opts,
  async () => {
    const url = `unix:${sockPath("kill-remote")}`;
    const s = await startServer(url);
    try {
      const a = new Deno.Command(Deno.execPath(), {
        args: ["run", "-A", CTL, "--server", url, "sleep", "100"],
        cwd: ROOT,
        stdin: "null",
        stdout: "piped",
        stderr: "piped",
      }).spawn();
      type RP = { pid: number; name: string; call: string };
      const procs = () => s.booted.kernel.sysctl.read("kern.sysproxy_procs") as RP[];
      assert(
        await waitFor(() => procs().some((p) => p.call === "nanosleep")),
        JSON.stringify(procs()),
      );
      const pid = procs().find((p) => p.call === "nanosleep")!.pid;
      const k = await s.inside(["kill", "-9", String(pid)]);
      assertEquals(k.status, 0, k.out);
      const out = await a.output();
      assertEquals(out.code, 128 + 9, new TextDecoder().decode(out.stderr)); // KILLED, status 137
      assert(await waitFor(() => procs().length === 0), JSON.stringify(procs()));
    } finally {
      await s.stop();
    }
  },
);
