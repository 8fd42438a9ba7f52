/**
 * boot_task_test.ts — `deno task boot --image server --sysproxy unix:PATH` serves with the
 * boot task's own permissions (deno.json), exactly as a user types it, and `deno task ctl`
 * runs against it; Ctrl-C stops the server and removes the socket file.
 */
import assert, { deepStrictEqual as assertEquals, match as assertMatch } from "node:assert/strict";
import { ROOT } from "./harness.ts";

const SOCK = "/tmp/rumpsim-boot-task-test.sock";

async function task(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const r = await new Deno.Command(Deno.execPath(), {
    args: ["task", "-q", ...args],
    cwd: ROOT,
    stdin: "null",
    env: { NO_COLOR: "1" },
  }).output();
  const dec = new TextDecoder();
  return { code: r.code, stdout: dec.decode(r.stdout), stderr: dec.decode(r.stderr) };
}

Deno.test(
  "sysproxy: deno task boot --sysproxy unix:PATH serves deno task ctl with the boot task's permissions",
  { sanitizeOps: false, sanitizeResources: false },
  async () => {
    const child = new Deno.Command(Deno.execPath(), {
      args: [
        "task",
        "boot",
        "--image",
        "server",
        "--sysproxy",
        `unix:${SOCK}`,
        "--hostfwd",
        "tcp:127.0.0.1:0-:80",
      ],
      cwd: ROOT,
      stdin: "null",
      stdout: "piped",
      stderr: "piped",
      env: { NO_COLOR: "1" },
    }).spawn();
    const errText = child.stderr.pipeThrough(new TextDecoderStream()).getReader();
    let err = "";
    const errDone = (async () => {
      for (;;) {
        const { value, done } = await errText.read();
        if (done) return;
        err += value;
      }
    })();
    const reader = child.stdout.pipeThrough(new TextDecoderStream()).getReader();
    let out = "";
    while (!out.includes(`sysproxy: serving on unix:${SOCK}`)) {
      const { value, done } = await reader.read();
      if (done) throw new Error(`the server ended:\n${out}\n${err}`);
      out += value;
    }
    let st: Deno.CommandStatus;
    try {
      const info = await Deno.lstat(SOCK);
      assert(info.isSocket);
      assertEquals(info.mode! & 0o777, 0o600);
      const ls = await task(["ctl", "--server", `unix:${SOCK}`, "ls", "/"]);
      assertEquals(ls.code, 0, ls.stderr);
      assertMatch(ls.stdout, /\betc\b/);
      const ifc = await task(["ctl", "--server", `unix:${SOCK}`, "ifconfig"]);
      assertEquals(ifc.code, 0, ifc.stderr);
      assertMatch(ifc.stdout, /inet 10\.0\.2\.15/);
    } finally {
      child.kill("SIGINT");
      st = await child.status;
      (async () => {
        for (;;) if ((await reader.read()).done) break;
      })();
      await errDone;
    }
    assertEquals(st.code, 0, err);
    assert(
      !(await Deno.lstat(SOCK).then(() => true, () => false)),
      "the socket file is removed at exit",
    );
  },
);
