import assert from "node:assert/strict";
import { parseRecording, RECORDING_FORMAT } from "../../cli/record.ts";

async function boot(args: string[], stdin?: string) {
  const child = new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", "main.ts", ...args],
    stdin: stdin === undefined ? "null" : "piped",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  if (stdin !== undefined) {
    const w = child.stdin.getWriter();
    await w.write(new TextEncoder().encode(stdin));
    await w.close();
  }
  const o = await child.output();
  const dec = new TextDecoder();
  return { code: o.code, stdout: o.stdout, out: dec.decode(o.stdout), err: dec.decode(o.stderr) };
}

Deno.test("--record/--replay: a realtime shell session replays to the same console and trace", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const rec = await boot(
      ["--image", "shell", "--record", `${dir}/r.json`, "--trace", `${dir}/a.json`],
      "echo hello from the host\nls /\ndate\nsleep 1\necho done\n",
    );
    assert.equal(rec.code, 0, rec.err);
    assert.match(rec.out, /hello from the host$/m);
    assert.match(rec.err, /^rumpsim: recorded \d+ clock reads and \d+ inputs to /m);
    const r = parseRecording(Deno.readTextFileSync(`${dir}/r.json`), "r.json");
    assert.equal(r.image, "shell");
    assert.ok(r.inputs.some((i) => i.k === "console"));
    const rep = await boot(["--replay", `${dir}/r.json`, "--trace", `${dir}/b.json`]);
    assert.equal(rep.code, 0, rep.err);
    assert.deepEqual(rep.stdout, rec.stdout, "the same console bytes, the host's date included");
    assert.deepEqual(
      Deno.readFileSync(`${dir}/b.json`),
      Deno.readFileSync(`${dir}/a.json`),
      "the same timeline",
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("--replay: another version, another image build or a damaged file is refused in one line", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const rec = await boot(["--image", "hello", "--realtime", "--record", `${dir}/r.json`]);
    assert.equal(rec.code, 0, rec.err);
    const good = JSON.parse(Deno.readTextFileSync(`${dir}/r.json`));
    const ok = await boot(["--replay", `${dir}/r.json`]);
    assert.equal(ok.code, 0, ok.err);
    assert.deepEqual(ok.stdout, rec.stdout);
    const refuse = async (patch: Record<string, unknown>, msg: RegExp) => {
      Deno.writeTextFileSync(`${dir}/x.json`, JSON.stringify({ ...good, ...patch }));
      const r = await boot(["--replay", `${dir}/x.json`]);
      assert.equal(r.code, 2, r.err);
      assert.match(r.err, msg);
      assert.equal(r.err.trim().split("\n").length, 1, r.err);
    };
    await refuse(
      { version: 1 },
      /^rumpsim: --replay: .*x\.json is a version 1 recording; this rumpsim replays version 2$/m,
    );
    await refuse(
      { inputs: [{ p: 3, i: 0, k: "console", d: "" }, { p: 2, i: 0, k: "console", d: "" }] },
      /^rumpsim: --replay: .*x\.json is a damaged recording \(input 1 is out of order\)$/m,
    );
    await refuse(
      { inputs: [{ p: 3, i: 0, k: "telepathy" }] },
      /^rumpsim: --replay: .*x\.json is a damaged recording \(input 0 has no place or kind\)$/m,
    );
    await refuse(
      { netdev: { kind: "user", hostfwd: [{ hostAddr: "127.0.0.1", hostPort: -1 }] } },
      /^rumpsim: --replay: .*x\.json is a damaged recording \(a bad hostfwd rule\)$/m,
    );
    await refuse(
      { rumpsim: "0.0.1" },
      /^rumpsim: --replay: .*x\.json was recorded by rumpsim 0\.0\.1, this is 0\.1\.0$/m,
    );
    await refuse(
      { fingerprint: "00" },
      /^rumpsim: --replay: .*x\.json was recorded with another build of image "hello" \(its definition differs\)$/m,
    );
    await refuse(
      { image: "nope" },
      /^rumpsim: --replay: .*x\.json names image "nope", which is not here$/m,
    );
    await refuse({ format: "pcap" }, /^rumpsim: --replay: .*x\.json is not a rumpsim recording$/m);
    Deno.writeTextFileSync(`${dir}/x.json`, "{");
    const bad = await boot(["--replay", `${dir}/x.json`]);
    assert.equal(bad.code, 2);
    assert.match(bad.err, /is not a rumpsim recording \(not JSON\)$/m);
    // A log the run does not match: one clock read missing.
    Deno.writeTextFileSync(
      `${dir}/x.json`,
      JSON.stringify({ ...good, clockReads: good.clockReads - 1 }),
    );
    const div = await boot(["--replay", `${dir}/x.json`]);
    assert.equal(div.code, 1);
    assert.match(
      div.err,
      /^rumpsim: --replay: the run diverged from .*: the replay read the clock more than the \d+ times$/m,
    );
    assert.equal(good.format, RECORDING_FORMAT);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("--record: a virtual-time run, sysproxy clients or disks are refused in one line", async () => {
  const v = await boot(["--image", "hello", "--record", "x.json"]);
  assert.equal(v.code, 2);
  assert.equal(
    v.err,
    "rumpsim: --record: a virtual-time run is a function of its seed (add --realtime)\n",
  );
  const n = await boot([
    "--image",
    "hello",
    "--realtime",
    "--sysproxy",
    "unix:/nonexistent/x.sock",
    "--record",
    "x.json",
  ]);
  assert.equal(n.code, 2);
  assert.equal(n.err, "rumpsim: --record: --sysproxy clients and --blk disks are not recorded\n");
  const r = await boot(["--replay", "x.json", "--", "a"]);
  assert.equal(r.code, 2);
  assert.equal(
    r.err,
    "rumpsim: --replay: takes only --trace and --pcap (the recording names its image and flags)\n",
  );
});

Deno.test("--record: a recording names the version deno.json gives rumpsim", async () => {
  const { RUMPSIM_VERSION } = await import("../../cli/record.ts");
  const pkg = JSON.parse(Deno.readTextFileSync(new URL("../../deno.json", import.meta.url)));
  assert.equal(RUMPSIM_VERSION, pkg.version);
});
