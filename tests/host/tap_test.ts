/**
 * tap_test.ts — the tap netdev (arch/netdev/tap.ts) and `--netdev tap:NAME`.
 *
 * The test task grants no FFI, so whatever opens a tap runs the CLI as a child process with
 * `--allow-ffi`, as `deno task boot-tap` does. The error paths run everywhere; the tests
 * that make a real tap need root, /dev/net/tun, `ip` and `ping` (iputils-ping), and are
 * ignored (with the reason printed) elsewhere. Host traffic stays on the tap's private
 * subnet 10.0.3.0/24; the tap is made by the child and goes away when it exits.
 */
import assert from "node:assert/strict";
import { checkTapName, openTap, TapError } from "../../host/tap.ts";
import { SITE } from "../../images/httpd.ts";

const ROOT = new URL("../../", import.meta.url);
const GUEST = "10.0.3.2";
const HOST_ADDR = "10.0.3.1/24";
const dec = new TextDecoder();

/** Runs a command to completion; never throws for a missing program (code 127). */
async function run(cmd: string, args: string[], stdin?: string) {
  try {
    const p = new Deno.Command(cmd, {
      args,
      cwd: ROOT,
      stdin: stdin === undefined ? "null" : "piped",
      stdout: "piped",
      stderr: "piped",
    }).spawn();
    if (stdin !== undefined) {
      const w = p.stdin.getWriter();
      await w.write(new TextEncoder().encode(stdin));
      await w.close();
    }
    const o = await p.output();
    return { code: o.code, stdout: o.stdout, out: dec.decode(o.stdout), err: dec.decode(o.stderr) };
  } catch (e) {
    if (e instanceof Deno.errors.NotFound) {
      return { code: 127, stdout: new Uint8Array(), out: "", err: `${cmd}: not found` };
    }
    throw e;
  }
}

/** The CLI with FFI, as `deno task boot-tap` runs it. */
function cliArgs(args: string[]): string[] {
  return ["run", "--allow-read=.", "--allow-write=.", "--allow-ffi", "main.ts", ...args];
}

/** Why the real-tap tests cannot run here, or "" when they can. */
async function rootSkipReason(): Promise<string> {
  if (Deno.build.os !== "linux") return "not Linux";
  if ((await run("id", ["-u"])).out.trim() !== "0") return "not running as root";
  // (Deno wants --allow-all to stat a device file; test(1) needs only --allow-run.)
  if ((await run("test", ["-c", "/dev/net/tun"])).code !== 0) return "no /dev/net/tun";
  if ((await run("ip", ["-V"])).code !== 0) return "no ip (iproute2)";
  if ((await run("ping", ["-V"])).code !== 0) return "no ping (iputils-ping)";
  return "";
}

const skip = await rootSkipReason();
if (skip) console.log(`tap_test: the tests that make a real tap are ignored: ${skip}`);
const ffiGranted = Deno.permissions.querySync({ name: "ffi" }).state === "granted";

Deno.test("tap: a bad interface name is refused with one line naming it", () => {
  const cases: [string, RegExp][] = [
    ["", /^tap "": bad interface name: it is empty$/],
    ["a-name-of-16-chr", /^tap "a-name-of-16-chr": .*16 bytes long \(at most 15\)$/],
    ["tap/0", /^tap "tap\/0": .*contains one of/],
    ["tap 0", /contains one of/],
    ["tap%d", /contains one of/],
    ["..", /path component/],
  ];
  for (const [name, re] of cases) {
    assert.throws(() => openTap(name), (e: Error) => e instanceof TapError && re.test(e.message));
  }
  checkTapName("tap0");
  checkTapName("a-name-of-15-ch");
});

Deno.test({
  name: "tap: without --allow-ffi, opening says which permission it needs",
  ignore: ffiGranted,
  fn() {
    assert.throws(
      () => openTap("tap0"),
      (e: Error) =>
        e instanceof TapError && /^tap tap0: .*needs Deno's --allow-ffi/.test(e.message) &&
        !e.message.includes("\n"),
    );
  },
});

Deno.test("tap: when the kernel refuses the device, the CLI says which device and why in one line", async () => {
  // "lo" is never a tap: as root the kernel refuses it (EINVAL); elsewhere /dev/net/tun is
  // missing or not ours. Every case is one line naming the device, and exit status 1.
  const r = await run(Deno.execPath(), cliArgs(["--netdev", "tap:lo", "--net", "10.0.3.2/24"]));
  assert.equal(r.code, 1, r.out + r.err);
  const lines = r.err.trimEnd().split("\n");
  assert.equal(lines.length, 1, r.err);
  assert.match(
    lines[0],
    /^rumpsim: tap lo: (.*lo exists and is not a tap device|.*does not exist|permission denied.*)$/,
  );
});

/** Reads `child`'s stdout until a line matches `re`; returns everything read so far. */
async function readUntil(r: ReadableStreamDefaultReader<Uint8Array>, re: RegExp): Promise<string> {
  let text = "";
  while (!re.test(text)) {
    const { value, done } = await r.read();
    if (done) throw new Error(`the child ended before ${re}:\n${text}`);
    text += dec.decode(value, { stream: true });
  }
  return text;
}

Deno.test({
  name: "tap: Linux pings the httpd image through a tap and fetches its pages (root)",
  ignore: skip !== "",
  sanitizeOps: false,
  sanitizeResources: false,
  async fn() {
    const name = `rstap${Deno.pid % 100000}`;
    const child = new Deno.Command(Deno.execPath(), {
      args: cliArgs(["--netdev", `tap:${name}`, "--net", `${GUEST}/24`]),
      cwd: ROOT,
      stdin: "null",
      stdout: "piped",
      stderr: "piped",
    }).spawn();
    const stdout = child.stdout.getReader();
    let log = "";
    let ended = false;
    try {
      log += await readUntil(
        stdout,
        new RegExp(`httpd: listening on ${GUEST}:80 \\(tap ${name}\\)`),
      );
      assert.match(log, new RegExp(`vioif0 on tap ${name}, guest ${GUEST} netmask 255.255.255.0`));

      // The host side: an address on the tap's subnet, the link up.
      assert.equal((await run("ip", ["addr", "add", HOST_ADDR, "dev", name])).code, 0);
      assert.equal((await run("ip", ["link", "set", name, "up"])).code, 0);

      const ping = await run("ping", ["-c", "2", "-W", "5", GUEST]);
      assert.equal(ping.code, 0, ping.out + ping.err);
      assert.match(ping.out, /2 packets transmitted, 2 received/);

      // fetch() from another process: the test task's net permission is loopback only.
      const fetcher = "const r = await fetch(Deno.args[0]);" +
        "if (r.status !== 200) Deno.exit(r.status % 256 || 1);" +
        "await Deno.stdout.write(new Uint8Array(await r.arrayBuffer()));";
      for (const path of ["/hello.txt", "/big.bin"]) {
        const f = await run(
          Deno.execPath(),
          ["run", `--allow-net=${GUEST}`, "-", `http://${GUEST}${path}`],
          fetcher,
        );
        assert.equal(f.code, 0, f.err);
        assert.deepEqual(f.stdout, SITE[path], path);
      }

      // A second program cannot take the tap while the first holds it.
      const busy = await run(Deno.execPath(), cliArgs(["--netdev", `tap:${name}`]));
      assert.equal(busy.code, 1);
      assert.equal(
        busy.err.trim(),
        `rumpsim: tap ${name}: device busy: another program has it open`,
      );

      // Ctrl-C: the machine halts with status 0 and the tap goes away with the process.
      child.kill("SIGINT");
      const st = await child.status;
      ended = true;
      for (;;) {
        const { value, done } = await stdout.read();
        if (done) break;
        log += dec.decode(value, { stream: true });
      }
      assert.equal(st.code, 0, log);
      assert.match(log, /"GET \/big\.bin HTTP\/1\.1" 200 262144/);
      assert.notEqual((await run("ip", ["link", "show", name])).code, 0, "the tap is gone");
    } finally {
      if (!ended) {
        child.kill("SIGKILL");
        await child.status;
      }
      stdout.releaseLock();
      await child.stdout.cancel().catch(() => {});
      await child.stderr.cancel().catch(() => {});
      // Only if something went wrong and the tap outlived its process.
      await run("ip", ["link", "delete", name]);
    }
  },
});
