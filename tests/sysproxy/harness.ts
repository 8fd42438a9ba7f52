/**
 * harness.ts — a sysproxy server booted inside the test process (the `server` image in
 * realtime, its NIC on the user netdev, `--sysproxy URL` as the CLI attaches it), `ctl`
 * run as a real subprocess against it, and the same tool run *inside* the same kernel,
 * at the same moment, for comparing their output.
 */
import { IMAGES } from "../../images/mod.ts";
import { loadImage } from "../../cli/catalog.ts";
import { openSysproxy, type SysproxyListener } from "../../cli/sysproxy.ts";
import { attachUserNet } from "../../cli/user_net.ts";
import { runImage, type RunOutcome } from "../../rumprun/run.ts";
import { hostRealtime } from "../../host/realtime.ts";
import type { Booted } from "../../rumprun/boot.ts";
import type { Image } from "../../kernel/syscall/image.ts";
import { AppRunner } from "../../kernel/syscall/exec.ts";
import { CTL_APPS } from "../../cli/ctl_apps.ts";

export const CTL = new URL("../../cli/ctl.ts", import.meta.url).pathname;
export const ROOT = new URL("../../", import.meta.url).pathname;

export interface TestServer {
  listener: SysproxyListener;
  booted: Booted;
  /** Console text so far. */
  console(): string;
  /** Runs `argv[0]` inside the kernel as an app; what it printed on the console (ONLCR undone). */
  inside(argv: string[]): Promise<{ status: number; out: string }>;
  /** Halts the machine and releases the listener; the run's outcome. */
  stop(): Promise<RunOutcome>;
}

/** Boots the server image serving at `url`; resolves once it takes connections. */
export async function startServer(url: string, imageName = "server"): Promise<TestServer> {
  const image = await loadImage(IMAGES[imageName]) as Image;
  const listener = await openSysproxy(url);
  const dec = new TextDecoder();
  let text = "";
  let booted: Booted | null = null;
  let serving!: () => void;
  const ready = new Promise<void>((r) => (serving = r));
  const run = runImage(image, {
    seed: 7,
    mode: "realtime",
    host: hostRealtime(),
    console: (b) => (text += dec.decode(b, { stream: true })),
    onBoot: (b) => {
      booted = b;
      listener.attach(b, (line) => {
        text += line + "\n";
        serving();
      });
      attachUserNet(b, { hostfwd: [] });
    },
  });
  await Promise.race([ready, run.then(() => Promise.reject(new Error("server ended early")))]);
  const b = booted!;
  let runner: AppRunner | null = null;
  return {
    listener,
    booted: b,
    console: () => text,
    async inside(argv) {
      runner ??= new AppRunner(b.kernel, CTL_APPS);
      const from = text.length;
      let p: ReturnType<AppRunner["start"]> | null = null;
      const m = b.machine;
      m.sched.events.at(m.sched.clock.now(), () => {
        p = runner!.start(argv[0], argv, { PATH: "/bin", HOME: "/" });
      });
      m.waiter!.kick();
      while (!(p as { exited?: boolean } | null)?.exited) {
        await new Promise((r) => setTimeout(r, 5));
      }
      m.uart.flush();
      await new Promise((r) => setTimeout(r, 20));
      // The console's line discipline writes "\r\n" for "\n" (ONLCR); a host terminal
      // does that itself for ctl, so the bytes compared are the program's own.
      const out = text.slice(from).replaceAll("\r\n", "\n");
      return { status: (p as unknown as { status: number }).status, out };
    },
    async stop() {
      b.machine.halt("test done");
      await listener.close();
      const out = await run;
      // A server that panicked failed the test, whatever the client saw.
      if (text.includes("panic:")) throw new Error(`the server panicked:\n${text.slice(-1500)}`);
      return out;
    },
  };
}

/** Runs `deno task ctl`'s entry with `args`; its status, stdout and stderr. */
export async function ctl(
  args: string[],
  opts: { stdin?: string; cwd?: string } = {},
): Promise<{ code: number; stdout: string; stderr: string }> {
  const cmd = new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", CTL, ...args],
    cwd: opts.cwd ?? ROOT,
    stdin: opts.stdin !== undefined ? "piped" : "null",
    stdout: "piped",
    stderr: "piped",
    env: { NO_COLOR: "1" },
  });
  const child = cmd.spawn();
  if (opts.stdin !== undefined) {
    const w = child.stdin.getWriter();
    await w.write(new TextEncoder().encode(opts.stdin));
    await w.close();
  }
  const r = await child.output();
  const dec = new TextDecoder();
  return { code: r.code, stdout: dec.decode(r.stdout), stderr: dec.decode(r.stderr) };
}

/**
 * The socket path the tests serve at: one fixed path, because Deno grants a unix socket
 * only by its exact path (`deno task test` allows `unix:` + this one). Tests run one at a
 * time and each stops its server, which removes the socket.
 */
export const TEST_SOCK = "/tmp/rumpsim-sysproxy-test.sock";

/** The socket path for a test (`_tag` names the test in a failure's message only). */
export function sockPath(_tag: string): string {
  return TEST_SOCK;
}

/** Waits until `cond` holds (checked every 10 ms), at most `ms`; false if it never did. */
export async function waitFor(
  cond: () => boolean | Promise<boolean>,
  ms = 10_000,
): Promise<boolean> {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (await cond()) return true;
    await new Promise((r) => setTimeout(r, 10));
  }
  return false;
}
