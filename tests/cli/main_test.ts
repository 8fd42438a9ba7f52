/**
 * The `rumpsim` command as a user meets it: spawned with `deno task boot`'s permissions
 * from another directory, bad input of every kind answered with one line and no JavaScript
 * stack, console bytes as a pipe wants them, exit statuses that carry failure, a trace that
 * survives SIGTERM, the shell fed from a pipe.
 */
import assert from "node:assert/strict";

const ROOT = new URL("../..", import.meta.url).pathname;
const MAIN = `${ROOT}main.ts`;
/** What `deno task boot` grants (deno.json). */
const BOOT_PERMS = ["--allow-read", "--allow-write", "--allow-net=127.0.0.1"];

interface Ran {
  code: number;
  stdout: string;
  stderr: string;
}

async function rumpsim(
  args: string[],
  opts: { stdin?: string; cwd?: string; script?: string } = {},
): Promise<Ran> {
  const child = new Deno.Command(Deno.execPath(), {
    args: ["run", ...BOOT_PERMS, opts.script ?? MAIN, ...args],
    cwd: opts.cwd ?? Deno.makeTempDirSync(),
    stdin: opts.stdin === undefined ? "null" : "piped",
    stdout: "piped",
    stderr: "piped",
    env: { NO_COLOR: "1" },
  }).spawn();
  if (opts.stdin !== undefined) {
    const w = child.stdin.getWriter();
    await w.write(new TextEncoder().encode(opts.stdin));
    await w.close();
  }
  const r = await child.output();
  const dec = new TextDecoder();
  return { code: r.code, stdout: dec.decode(r.stdout), stderr: dec.decode(r.stderr) };
}

/** One line on stderr starting with `rumpsim: `, no stack. */
function assertOneLine(r: Ran, re: RegExp, what: string): void {
  const lines = r.stderr.trimEnd().split("\n");
  assert.equal(lines.length, 1, `${what}: ${r.stderr}`);
  assert.match(lines[0], re, what);
  assert.doesNotMatch(r.stderr + r.stdout, /^\s+at /m, `${what}: a stack reached the user`);
}

Deno.test("rumpsim: every bad flag, disk, image and file gets one line and no stack", async () => {
  const dir = await Deno.makeTempDir();
  const junk = `${dir}/junk.img`;
  await Deno.writeFile(junk, new Uint8Array(4096).fill(0x5a));
  await Deno.writeTextFile(`${dir}/not_an_image.ts`, "export const x = 1;\n");
  await Deno.writeTextFile(`${dir}/broken.ts`, "export const image = ;\n");
  const cases: [string[], RegExp, number][] = [
    [["--seed", "-1"], /^rumpsim: --seed: "-1" is not an integer from 0 to 4294967295$/, 2],
    [["--realtime=yes"], /^rumpsim: --realtime: is a switch/, 2],
    [["--epoch", "1700000000"], /^rumpsim: --epoch: "1700000000" is ambiguous/, 2],
    [["--seed", "1", "--seed", "2"], /^rumpsim: --seed: given more than once/, 2],
    [
      ["--image", "hello", "--hostfwd", "tcp::8080-:80"],
      /^rumpsim: --hostfwd: image "hello" has no network$/,
      2,
    ],
    [["--image", "net-demo", "--realtime"], /^rumpsim: --realtime: image "net-demo" is a world/, 2],
    [["--netdev", "none"], /^rumpsim: --netdev none: image "httpd" configures vioif0/, 2],
    [
      ["--image", "net-demo", "--pcap", "nodir/x.pcap"],
      /^rumpsim: --pcap: cannot write nodir\/x\.pcap: no such directory$/,
      2,
    ],
    [
      ["--image", "hello", "--trace", "nodir/t.json"],
      /^rumpsim: --trace: cannot write nodir\/t\.json: no such directory$/,
      2,
    ],
    [
      ["--image", "shell", "--blk", `${dir}/missing.img`],
      /^rumpsim: --blk: .*missing\.img: no such file$/,
      2,
    ],
    [
      ["--image", "shell", "--blk", dir],
      /^rumpsim: --blk: .*(not a regular file|Is a directory)/,
      2,
    ],
    [
      ["--image", "shell", "--blk", `${junk},mnt`],
      /^rumpsim: --blk: mount point "mnt" is not an absolute path$/,
      2,
    ],
    [
      ["--image", "hello", "--blk", junk],
      /^rumpsim: --blk: image "hello" does not include the component rumpvfs$/,
      2,
    ],
    [
      ["--image", "shell", "--blk", `${junk},/a`, "--blk", `${junk},/a`],
      /^rumpsim: --blk: two disks are mounted at \/a$/,
      2,
    ],
    [["--image-module", `${dir}/nope.ts`], /^rumpsim: --image-module: cannot load .*nope\.ts/, 2],
    [
      ["--image-module", `${dir}/not_an_image.ts`],
      /^rumpsim: --image-module: .* exports no `image`/,
      2,
    ],
    [
      ["--image-module", `${dir}/broken.ts`],
      /^rumpsim: --image-module: cannot load .*broken\.ts/,
      2,
    ],
  ];
  try {
    for (const [args, re, code] of cases) {
      const r = await rumpsim(args, { cwd: dir });
      assertOneLine(r, re, args.join(" "));
      assert.equal(r.code, code, args.join(" "));
    }
    // A disk that is not ext2 boots, and the mount failure is one console line.
    const r = await rumpsim(["--image", "shell", "--blk", junk, "--", "-c", "true"], { cwd: dir });
    assert.notEqual(r.code, 0);
    assert.match(r.stdout, /rumpsim: cannot mount ld0 on \/mnt: /);
    assert.doesNotMatch(r.stdout + r.stderr, /^\s+at /m);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("rumpsim: a --hostfwd port already in use names the flag and the port", async () => {
  const l = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  try {
    const port = (l.addr as Deno.NetAddr).port;
    const r = await rumpsim(["--hostfwd", `tcp:127.0.0.1:${port}-:80`]);
    assertOneLine(
      r,
      new RegExp(`^rumpsim: --hostfwd: host port 127\\.0\\.0\\.1:${port} is already in use`),
      "in use",
    );
    assert.equal(r.code, 2);
  } finally {
    l.close();
  }
});

Deno.test("rumpsim: files named on the command line work outside the current directory", async () => {
  const dir = await Deno.makeTempDir();
  const elsewhere = await Deno.makeTempDir();
  try {
    // Through the task itself, so that its permissions are what is tested.
    const r = await new Deno.Command(Deno.execPath(), {
      args: [
        "task",
        "-q",
        "--config",
        `${ROOT}deno.json`,
        "boot",
        "--image",
        "net-demo",
        "--seed",
        "7",
        "--pcap",
        `${elsewhere}/x.pcap`,
        "--trace",
        `${elsewhere}/t.json`,
      ],
      cwd: dir,
      stdout: "piped",
      stderr: "piped",
    }).output();
    assert.equal(r.code, 0, new TextDecoder().decode(r.stderr));
    assert.ok((await Deno.stat(`${elsewhere}/x.pcap`)).size > 24);
    JSON.parse(await Deno.readTextFile(`${elsewhere}/t.json`));
  } finally {
    await Deno.remove(dir, { recursive: true });
    await Deno.remove(elsewhere, { recursive: true });
  }
});

Deno.test("rumpsim: console lines end in LF on a pipe, and the trace keeps the UART's CRLF", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const r = await rumpsim(["--image", "hello", "--trace", "t.json"], { cwd: dir });
    assert.equal(r.code, 0, r.stderr);
    assert.ok(r.stdout.includes("\n"));
    assert.ok(!r.stdout.includes("\r"), JSON.stringify(r.stdout.slice(0, 200)));
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("rumpsim: net-demo fails when its steps fail (--loss 1: no ping reply)", async () => {
  const r = await rumpsim(["--image", "net-demo", "--loss", "1"]);
  assert.notEqual(r.code, 0);
  assert.match(r.stdout, /client: rumpsim: ping exited with status \d+/);
  assert.equal((await rumpsim(["--image", "net-demo"])).code, 0);
});

Deno.test("rumpsim: the shell reads a pipe and ends at its end with the last status", async () => {
  const ok = await rumpsim(["--image", "shell"], { stdin: "echo piped\n" });
  assert.equal(ok.code, 0, ok.stdout + ok.stderr);
  assert.match(ok.stdout, /piped\n/);
  assert.match(ok.stdout, /seed 1, realtime time/);
  assert.ok(!ok.stdout.includes("\r"), "LF line ends on a pipe in realtime too");
  assert.doesNotMatch(ok.stdout, /deadlock/);
  const bad = await rumpsim(["--image", "shell"], { stdin: "echo one\nls /nonexistent\n" });
  assert.equal(bad.code, 1, bad.stdout);
  // -c keeps its behaviour: virtual time, stdin unread.
  const c = await rumpsim(["--image", "shell", "--", "-c", "echo hi"], { stdin: "echo no\n" });
  assert.equal(c.code, 0);
  assert.match(c.stdout, /seed 1, virtual time/);
  assert.doesNotMatch(c.stdout, /\bno\b/);
});

Deno.test("rumpsim: SIGTERM and SIGINT end a realtime run with a trace that is valid JSON", async () => {
  for (const [sig, code] of [["SIGTERM", 143], ["SIGINT", 0]] as const) {
    const dir = await Deno.makeTempDir();
    try {
      const child = new Deno.Command(Deno.execPath(), {
        args: ["run", ...BOOT_PERMS, MAIN, "--image", "shell", "--trace", "t.json"],
        cwd: dir,
        stdin: "piped", // held open: the shell waits for input until the signal
        stdout: "piped",
        stderr: "piped",
      }).spawn();
      const input = child.stdin.getWriter();
      await input.write(new TextEncoder().encode("echo ready\n"));
      const reader = child.stdout.pipeThrough(new TextDecoderStream()).getReader();
      let out = "";
      while (!out.includes("ready\n")) {
        const r = await reader.read();
        if (r.done) break;
        out += r.value;
      }
      child.kill(sig);
      for (let r = await reader.read(); !r.done; r = await reader.read()) out += r.value;
      const st = await child.status;
      await child.stderr.cancel();
      await input.close().catch(() => {});
      assert.equal(st.code, code, `${sig}: ${out}`);
      const trace = JSON.parse(await Deno.readTextFile(`${dir}/t.json`));
      assert.ok(trace.traceEvents.length > 10, sig);
      // Realtime: the timeline's timestamps are the host's, not all zero.
      assert.ok(trace.traceEvents.some((e: { ts?: number }) => (e.ts ?? 0) > 0), sig);
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  }
});

Deno.test("rumpsim: --mac sets the NIC's address, and every --hostfwd rule is listed and served", async () => {
  const child = new Deno.Command(Deno.execPath(), {
    args: [
      "run",
      ...BOOT_PERMS,
      MAIN,
      "--mac",
      "52:54:00:aa:bb:cc",
      "--hostfwd",
      "tcp:127.0.0.1:0-:80",
      "--hostfwd",
      "tcp:127.0.0.1:0-:80",
    ],
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  const reader = child.stdout.pipeThrough(new TextDecoderStream()).getReader();
  let out = "";
  while ([...out.matchAll(/serving (http:\/\/127\.0\.0\.1:\d+\/)/g)].length < 2) {
    const r = await reader.read();
    if (r.done) break;
    out += r.value;
  }
  const urls = [...out.matchAll(/serving (http:\/\/127\.0\.0\.1:\d+\/)/g)].map((m) => m[1]);
  try {
    assert.equal(urls.length, 2, out);
    assert.notEqual(urls[0], urls[1]);
    for (const u of urls) {
      assert.equal(await (await fetch(new URL("hello.txt", u))).text(), "hello from rumpsim\n");
    }
  } finally {
    child.kill("SIGINT");
    for (let r = await reader.read(); !r.done; r = await reader.read()) out += r.value;
    await child.status;
    await child.stderr.cancel();
  }
  assert.match(out, /\nvioif0: Ethernet address 52:54:00:aa:bb:cc\n/);
  assert.match(
    out,
    /(^|\n)rumpsim: hostfwd 127\.0\.0\.1:0 -> guest :80, 127\.0\.0\.1:0 -> guest :80\n/,
  );
});

Deno.test("rumpsim: --pcap NAME=FILE writes each world machine's own capture", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const r = await rumpsim(
      ["--image", "net-demo", "--seed", "7", "--pcap", "server=s.pcap", "--pcap", "client=c.pcap"],
      { cwd: dir },
    );
    assert.equal(r.code, 0, r.stderr);
    const s = await Deno.readFile(`${dir}/s.pcap`), c = await Deno.readFile(`${dir}/c.pcap`);
    for (const p of [s, c]) {
      // libpcap, nanosecond timestamps, Ethernet.
      assert.deepEqual([...p.subarray(0, 4)], [0x4d, 0x3c, 0xb2, 0xa1]);
      assert.ok(p.length > 1000);
    }
    // The same frames, seen from the two ends of the wire: the first frame each records
    // is its own machine's ARP announcement (the server's MAC ends :01, the client's :02).
    const firstSrc = (p: Uint8Array) => p[24 + 16 + 11];
    assert.equal(firstSrc(s), 0x01);
    assert.equal(firstSrc(c), 0x02);
    const bad = await rumpsim(["--image", "net-demo", "--pcap", "nobody=x.pcap"], { cwd: dir });
    assertOneLine(bad, /^rumpsim: --pcap: image "net-demo" has no machine nobody/, "nobody");
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

/** The environment for a nested `deno task`: this one's, less INIT_CWD. */
function taskEnv(): Record<string, string> {
  const env = Deno.env.toObject();
  delete env.INIT_CWD;
  return env;
}

Deno.test("rumpsim: under deno task, relative paths are the caller's directory's", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const r = await new Deno.Command(Deno.execPath(), {
      args: [
        "task",
        "-q",
        "--config",
        `${ROOT}deno.json`,
        "boot",
        "--image",
        "hello",
        "--trace",
        "t.json",
      ],
      cwd: dir,
      // deno task sets INIT_CWD only when it is not set already: a task run from a task
      // (this test under `deno task test`) must start from a clean one.
      env: taskEnv(),
      clearEnv: true,
      stdout: "piped",
      stderr: "piped",
    }).output();
    assert.equal(r.code, 0, new TextDecoder().decode(r.stderr));
    JSON.parse(await Deno.readTextFile(`${dir}/t.json`));
    const b = await new Deno.Command(Deno.execPath(), {
      args: [
        "task",
        "-q",
        "--config",
        `${ROOT}deno.json`,
        "bake",
        "--image",
        "hello",
        "-o",
        "h.js",
      ],
      cwd: dir,
      env: taskEnv(),
      clearEnv: true,
      stdout: "piped",
      stderr: "piped",
    }).output();
    assert.equal(b.code, 0, new TextDecoder().decode(b.stderr));
    assert.ok((await Deno.stat(`${dir}/h.js`)).size > 10_000);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
