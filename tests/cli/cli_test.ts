import assert from "node:assert/strict";
import { type Catalog, parseCli as parse, usage as usageOf, UsageError } from "../../cli/cli.ts";
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

Deno.test("cli: --epoch takes ISO 8601 or milliseconds", () => {
  assert.equal(parseCli(["--epoch", "2025-06-01T12:00:00Z"]).epochMs, Date.UTC(2025, 5, 1, 12));
  assert.equal(parseCli(["--epoch", "1000"]).epochMs, 1000);
});

Deno.test("cli: --help documents every flag", () => {
  const u = usage();
  for (const f of ["--image", "--seed", "--mem", "--epoch", "--verbose", "--help"]) {
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
