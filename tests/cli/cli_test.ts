import assert from "node:assert/strict";
import {
  type Catalog,
  checkImageFlags,
  parseCli as parse,
  usage as usageOf,
  UsageError,
} from "../../cli/cli.ts";
import { DEFAULT_IMAGE, IMAGES } from "../../images/mod.ts";

const catalog: Catalog = { images: IMAGES, defaultImage: DEFAULT_IMAGE };
const parseCli = (args: string[]) => parse(args, catalog);
const usage = () => usageOf(catalog);

Deno.test("cli: defaults, and arguments after -- go to the first app", () => {
  const o = parseCli(["--seed", "42", "--mem", "128M", "-v", "--", "--exit", "3"]);
  assert.equal(o.image, "httpd");
  assert.equal(o.seed, 42);
  assert.equal(o.memBytes, 128 * 1024 * 1024);
  assert.equal(o.verbose, true);
  assert.deepEqual(o.argv, ["--exit", "3"]);
  assert.equal(parseCli([]).argv, undefined);
});

Deno.test("cli: bad flags and values give one line naming the flag", () => {
  const cases: [string[], RegExp][] = [
    [["--bogus"], /^unknown option --bogus$/],
    [["--seed=-3"], /^--seed: "-3" is not an integer/],
    [["--seed", "-3"], /^--seed: "-3" is not an integer/],
    [["--seed", "99999999999"], /^--seed: /],
    [["--mem", "lots"], /^--mem: "lots" is not a size/],
    [["--mem", "1M"], /^--mem: 1M is outside 4M\.\.2G$/],
    [["--image", "nope"], /^--image: no image "nope"/],
    [["--epoch", "yesterday"], /^--epoch: /],
    [["stray"], /^unexpected argument stray/],
    [["--image"], /^option --image needs a value$/],
  ];
  for (const [args, re] of cases) {
    assert.throws(
      () => parseCli(args),
      (e: Error) => e instanceof UsageError && re.test(e.message) && !e.message.includes("\n"),
    );
  }
});

Deno.test("cli: --epoch takes ISO 8601, @SECONDS or milliseconds with their unit", () => {
  assert.equal(parseCli(["--epoch", "2025-06-01T12:00:00Z"]).epochMs, Date.UTC(2025, 5, 1, 12));
  assert.equal(parseCli(["--epoch", "2025-06-01T12:00"]).epochMs, Date.UTC(2025, 5, 1, 12));
  assert.equal(parseCli(["--epoch", "2025-06-01"]).epochMs, Date.UTC(2025, 5, 1));
  assert.equal(
    parseCli(["--epoch", "2025-06-01T14:00:00+02:00"]).epochMs,
    Date.UTC(2025, 5, 1, 12),
  );
  assert.equal(parseCli(["--epoch", "@1700000000"]).epochMs, 1700000000000);
  assert.equal(parseCli(["--epoch=@-1"]).epochMs, -1000);
  assert.equal(parseCli(["--epoch", "1700000000000ms"]).epochMs, 1700000000000);
  for (const bad of ["1700000000", "1000", "1", "2025", "yesterday", "@x", "12ms3"]) {
    assert.throws(
      () => parseCli(["--epoch", bad]),
      (e: Error) =>
        e instanceof UsageError && e.message.startsWith(`--epoch: "${bad}"`) &&
        e.message.includes("@SECONDS"),
      bad,
    );
  }
  assert.throws(() => parseCli(["--epoch", "1700000000"]), /is ambiguous/);
});

Deno.test("cli: negative numbers reach the flag's own check, and --flag=value works", () => {
  const cases: [string[], RegExp][] = [
    [["--seed", "-1"], /^--seed: "-1" is not an integer from 0 to 4294967295$/],
    [["--mem", "-5M"], /^--mem: "-5M" is not a size like 64M/],
    [["--loss", "-0.1"], /^--loss: "-0.1" is not a probability/],
    [["--latency", "-3"], /^--latency: "-3" is not a latency/],
    [["--realtime=yes"], /^--realtime: is a switch and takes no value \(got "yes"\)$/],
    [["--verbose=1"], /^--verbose: is a switch/],
    [["--seed", "--mem", "64"], /^option --seed needs a value$/],
    [["--seed"], /^option --seed needs a value$/],
    [["--seed", "1", "--seed", "2"], /^--seed: given more than once/],
    [["--image", "hello", "--image=shell"], /^--image: given more than once/],
    [["-v", "-v"], /^--verbose: given more than once/],
    [["-x"], /^unknown option -x$/],
    [["--mac", "01:00:5e:00:00:01"], /^--mac: .* is a multicast address/],
    [["--mac", "52:54:00"], /^--mac: "52:54:00" is not a MAC address/],
    [["--env", "=x"], /^--env: "=x" is not NAME=VALUE$/],
    [["--image", "hello", "--image-module", "x.ts"], /^--image-module: give either/],
  ];
  for (const [args, re] of cases) {
    assert.throws(
      () => parseCli(args),
      (e: Error) => e instanceof UsageError && re.test(e.message) && !e.message.includes("\n"),
      `${args.join(" ")}`,
    );
  }
  assert.equal(parseCli(["--seed=7"]).seed, 7);
  assert.equal(parseCli(["--mem=128M"]).memBytes, 128 * 1024 * 1024);
  assert.deepEqual(
    parseCli(["--hostfwd=tcp::9000-:80", "--hostfwd", "tcp::9001-:81"]).hostfwd
      ?.map((f) => f.hostPort),
    [9000, 9001],
  );
  assert.deepEqual(parseCli(["--env", "A=1", "--env", "B=x=y"]).env, { A: "1", B: "x=y" });
  assert.equal(parseCli(["--mac", "52:54:00:AB:CD:EF"]).mac, "52:54:00:ab:cd:ef");
});

Deno.test("cli: --mem takes a bare number as MiB, as QEMU's -m does", () => {
  assert.equal(parseCli(["--mem", "64"]).memBytes, 64 * 1024 * 1024);
  assert.equal(parseCli(["--mem", "1G"]).memBytes, 1024 * 1024 * 1024);
  assert.equal(parseCli(["--mem", "8192K"]).memBytes, 8 * 1024 * 1024);
  assert.throws(() => parseCli(["--mem", "3"]), /--mem: 3 is outside 4M\.\.2G$/);
});

Deno.test("cli: flags that mean nothing for the chosen image are refused before boot", async () => {
  const cases: [string[], RegExp][] = [
    [
      ["--image", "hello", "--hostfwd", "tcp::8080-:80"],
      /^--hostfwd: image "hello" has no network$/,
    ],
    [["--image", "hello", "--hosts", "a=1.2.3.4"], /^--hosts: image "hello" has no network$/],
    [["--image", "hello", "--netdev", "user"], /^--netdev user: image "hello" has no network$/],
    [["--image", "hello", "--pcap", "x.pcap"], /^--pcap: image "hello" has no network$/],
    [["--image", "hello", "--mac", "52:54:00:12:34:57"], /^--mac: image "hello" has no network$/],
    [["--image", "net-demo", "--realtime"], /^--realtime: image "net-demo" is a world/],
    [["--image", "net-demo", "--blk", "x.img"], /^--blk: image "net-demo" is a world/],
    [
      ["--netdev", "none"],
      /^--netdev none: image "httpd" configures vioif0 and its apps need a network/,
    ],
  ];
  for (const [args, re] of cases) {
    const o = parseCli(args);
    const image = await IMAGES[o.image].load();
    assert.throws(
      () => checkImageFlags(o, image, o.image),
      (e: Error) => e instanceof UsageError && re.test(e.message),
      args.join(" "),
    );
  }
  const ok = parseCli(["--image", "hello", "--realtime", "--env", "A=1"]);
  checkImageFlags(ok, await IMAGES.hello.load(), "hello");
});

Deno.test("cli: --help documents every flag", () => {
  const u = usage();
  for (
    const f of [
      "--image",
      "--image-module",
      "--seed",
      "--mem",
      "--epoch",
      "@SECONDS",
      "--blk FILE[,MOUNTPOINT][,ro]",
      "--mac",
      "--env NAME=VALUE",
      "--verbose",
      "--help",
    ]
  ) {
    assert.ok(u.includes(f), f);
  }
});

Deno.test("cli: on the user netdev the guest's console reaches stdout whole and in order", async () => {
  const root = new URL("../..", import.meta.url).pathname;
  const child = new Deno.Command(Deno.execPath(), {
    args: ["run", "--allow-read=.", "--allow-net=127.0.0.1", "main.ts", "--hostfwd", "tcp::0-:80"],
    cwd: root,
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  const reader = child.stdout.pipeThrough(new TextDecoderStream()).getReader();
  let out = "";
  let m: RegExpExecArray | null = null;
  while (!(m = /serving (http:\/\/127\.0\.0\.1:\d+\/)/.exec(out))) {
    const r = await reader.read();
    if (r.done) break;
    out += r.value;
  }
  assert.ok(m, out);
  const page = new URL("hello.txt", m[1]);
  for (let i = 0; i < 2; i++) {
    const res: Response = await fetch(page);
    assert.equal(await res.text(), "hello from rumpsim\n");
  }
  child.kill("SIGINT");
  for (let r = await reader.read(); !r.done; r = await reader.read()) out += r.value;
  const st = await child.status;
  await child.stderr.cancel();
  assert.equal(st.code, 0, out);
  const log = [...out.matchAll(/"GET \/hello\.txt HTTP\/1\.1" 200 19\r?\n/g)];
  assert.equal(log.length, 2, out);
  const halting = out.indexOf("rumpsim: interrupted, halting");
  assert.ok(halting > log[1].index!, out);
});
