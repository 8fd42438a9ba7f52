/**
 * The shell image booted on the simulated PC: `-c` commands, the boot log through kernfs,
 * the root tree as it was on the host, and commands typed on the console.
 */
import assert from "node:assert/strict";
import { IMAGES } from "../../../images/mod.ts";
import { loadImage } from "../../../cli/catalog.ts";
import type { Image } from "../../../kernel/syscall/image.ts";
import { runImage } from "../../../rumprun/run.ts";

const ROOT = new URL("../../../images/roots/shell/", import.meta.url);

async function boot(argv: string[] | undefined, input?: string) {
  const image = (await loadImage(IMAGES.shell)) as Image;
  let out = "";
  const dec = new TextDecoder();
  const r = await runImage(image, {
    argv,
    console: (b) => (out += dec.decode(b, { stream: true })),
    onBoot: input === undefined ? undefined : (b) => {
      b.kernel.consoleInput(new TextEncoder().encode(input));
      b.kernel.consoleInput(null);
    },
  });
  out = out.replaceAll("\r\n", "\n");
  // What the apps printed: everything after rump_init's summary line, before the halt line.
  const start = out.indexOf("\n", out.indexOf("rump kernel: ")) + 1;
  const apps = out.slice(start).replace(/rumpsim: apps exited.*\n$/, "");
  return { status: r.status, out, apps, kernel: r.kernel };
}

Deno.test("shell image: -c runs the command and the run exits with its status", async () => {
  const r = await boot(["-c", "cat /etc/motd; ls /nope"]);
  assert.equal(
    r.apps,
    "Welcome to rumpsim: a rump kernel on a simulated PC.\nls: /nope: No such file or directory\n",
  );
  assert.equal(r.status, 1);
  assert.equal((await boot(["-c", "exit 42"])).status, 42);
});

Deno.test("shell image: cat /kern/msgbuf from an app prints the boot log", async () => {
  const r = await boot(["-c", "cat /kern/msgbuf"]);
  assert.equal(r.status, 0);
  const boot_log = r.out.slice(0, r.out.indexOf("rump kernel: "));
  assert.ok(boot_log.startsWith("rumpsim: seed 1, virtual time\n"));
  assert.ok(r.apps.startsWith(boot_log), "the message buffer starts with the whole boot");
  assert.match(r.apps, /cookfs: 6 entries unpacked from root\.tar into \/\n/);
  assert.match(r.apps, /rump kernel: \d+ components initialised: .*rumpfs_cookfs\n$/);
});

function modeString(info: Deno.FileInfo): string {
  const t = info.isSymlink ? "l" : info.isDirectory ? "d" : "-";
  const m = info.mode! & 0o777;
  return t +
    [6, 3, 0].map((s) =>
      ((m >> s) & 4 ? "r" : "-") + ((m >> s) & 2 ? "w" : "-") + ((m >> s) & 1 ? "x" : "-")
    ).join("");
}

Deno.test("shell image: the baked root tree lists with the modes and sizes it had on the host", async () => {
  const r = await boot(["-c", "ls -l / /bin /etc"]);
  assert.equal(r.status, 0, r.out);
  const months = [
    "Jan",
    "Feb",
    "Mar",
    "Apr",
    "May",
    "Jun",
    "Jul",
    "Aug",
    "Sep",
    "Oct",
    "Nov",
    "Dec",
  ];
  const listed = new Map<string, string[]>();
  let dir = "";
  for (const line of r.apps.split("\n")) {
    const h = /^(\/.*):$/.exec(line);
    if (h) dir = h[1] === "/" ? "" : h[1].slice(1) + "/";
    const f = line.split(/ +/);
    if (f.length >= 9 && /^[-dl]/.test(f[0])) listed.set(dir + f[8], f);
  }
  const expect = ["README", "bin", "bin/hello.sh", "etc", "etc/motd", "motd"];
  for (const p of expect) {
    const host = await Deno.lstat(new URL(p, ROOT));
    const f = listed.get(p);
    assert.ok(f, `${p} is listed:\n${r.apps}`);
    assert.equal(f[0], modeString(host), `${p}: mode`);
    if (!host.isDirectory) assert.equal(Number(f[4]), host.size, `${p}: size`);
    const d = host.mtime!;
    assert.deepEqual([f[5], Number(f[6])], [months[d.getUTCMonth()], d.getUTCDate()], `${p}: date`);
    assert.deepEqual([f[2], f[3]], ["root", "wheel"]);
  }
  assert.equal(listed.get("motd")!.slice(9).join(" "), "-> etc/motd");
});

Deno.test("shell image: the script in the root tree runs by path and through $PATH", async () => {
  const r = await boot(["-c", "/bin/hello.sh x y && hello.sh"]);
  assert.equal(r.status, 0, r.out);
  assert.match(r.apps, /^hello from \/bin\/hello\.sh\nWelcome to rumpsim.*\n2 arguments: x y\n/);
});

Deno.test("shell image: with no -c the shell reads commands from the console", async () => {
  const r = await boot(undefined, "echo typed\ncd /etc; pwd; cat motd\nexit 3\n");
  assert.equal(r.apps, "$ typed\n$ /etc\nWelcome to rumpsim: a rump kernel on a simulated PC.\n$ ");
  assert.equal(r.status, 3);
});

Deno.test("shell image: df, mount and dmesg see the image's file systems and boot", async () => {
  const r = await boot(["-c", "mount; df -k /tmp; dmesg | grep -c rumpsim | grep -q '^[1-9]'"]);
  assert.equal(r.status, 0, "dmesg piped into grep finds the boot lines");
  const s = await boot(["-c", "mount; df -k /tmp && dmesg"]);
  assert.equal(s.status, 0);
  assert.match(
    s.apps,
    /^tmpfs on \/ type tmpfs \(local\)\ntmpfs on \/tmp type tmpfs \(local\)\nkernfs on \/kern type kernfs \(read-only, local\)\n/,
  );
  assert.match(s.apps, /\/tmp\n(.|\n)*cookfs: 6 entries unpacked/);
});
