/**
 * ustar: round trips, byte fixtures, archives from the system tar, our archives listed
 * by the system tar, and clear errors for damaged archives.
 */
import assert from "node:assert/strict";
import { packUstar, unpackUstar, type UstarEntry } from "../../../fs/archive/ustar.ts";

const te = new TextEncoder();
const td = new TextDecoder();

function hasTar(): boolean {
  try {
    new Deno.Command("tar", { args: ["--version"], stdout: "null", stderr: "null" }).outputSync();
    return true;
  } catch {
    return false;
  }
}
const HAVE_TAR = hasTar();

const sample: UstarEntry[] = [
  { path: "etc", type: "dir", mode: 0o755, mtimeSec: 1700000000 },
  {
    path: "etc/hosts",
    type: "file",
    mode: 0o644,
    mtimeSec: 1700000001,
    data: te.encode("127.0.0.1 localhost\n"),
  },
  { path: "empty", type: "file", mode: 0o600, mtimeSec: 1, data: new Uint8Array(0) },
  { path: "bin/sh", type: "symlink", mode: 0o777, mtimeSec: 1700000002, linkname: "/rescue/sh" },
  {
    path: "blob",
    type: "file",
    mode: 0o4755,
    mtimeSec: 1234,
    uid: 1000,
    gid: 50,
    data: new Uint8Array(1500).map((_, i) => i * 7),
  },
  {
    path: "d/" + "p".repeat(120) + "/" + "n".repeat(90),
    type: "file",
    mode: 0o644,
    mtimeSec: 5,
    data: te.encode("long"),
  },
];

Deno.test("ustar: pack then unpack gives back every entry", () => {
  const out = unpackUstar(packUstar(sample));
  assert.equal(out.length, sample.length);
  for (let i = 0; i < sample.length; i++) {
    const a = sample[i], b = out[i];
    assert.equal(b.path, a.path);
    assert.equal(b.type, a.type);
    assert.equal(b.mode, a.mode);
    assert.equal(b.mtimeSec, a.mtimeSec);
    assert.equal(b.uid, a.uid ?? 0);
    assert.equal(b.gid, a.gid ?? 0);
    if (a.type === "file") assert.deepEqual(b.data, a.data);
    if (a.type === "symlink") assert.equal(b.linkname, a.linkname);
  }
});

Deno.test("ustar: a header is laid out byte for byte as POSIX says", () => {
  const a = packUstar([{
    path: "hi.txt",
    type: "file",
    mode: 0o644,
    mtimeSec: 0o17,
    data: te.encode("hi\n"),
  }]);
  assert.equal(a.length, 512 + 512 + 1024);
  const h = a.subarray(0, 512);
  const field = (o: number, n: number) => td.decode(h.subarray(o, o + n));
  assert.equal(field(0, 7), "hi.txt\0");
  assert.equal(field(100, 8), "0000644\0");
  assert.equal(field(108, 8), "0000000\0");
  assert.equal(field(124, 12), "00000000003\0");
  assert.equal(field(136, 12), "00000000017\0");
  assert.equal(field(156, 1), "0");
  assert.equal(field(257, 8), "ustar\x0000");
  let sum = 0;
  for (let i = 0; i < 512; i++) sum += i >= 148 && i < 156 ? 32 : h[i];
  assert.equal(field(148, 8), sum.toString(8).padStart(6, "0") + "\0 ");
  assert.equal(td.decode(a.subarray(512, 515)), "hi\n");
  assert.ok(a.subarray(515).every((b) => b === 0));
});

Deno.test("ustar: a path over 100 bytes goes into the prefix field", () => {
  const p = "a".repeat(150) + "/" + "b".repeat(100);
  const a = packUstar([{
    path: p,
    type: "file",
    mode: 0o644,
    mtimeSec: 0,
    data: new Uint8Array(0),
  }]);
  assert.equal(td.decode(a.subarray(345, 345 + 150)), "a".repeat(150));
  assert.equal(td.decode(a.subarray(0, 100)), "b".repeat(100));
  assert.equal(unpackUstar(a)[0].path, p);
  assert.throws(
    () => packUstar([{ path: "c".repeat(256), type: "dir", mode: 0o755, mtimeSec: 0 }]),
    /over 255 bytes/,
  );
  assert.throws(
    () => packUstar([{ path: "c".repeat(101), type: "file", mode: 0o644, mtimeSec: 0 }]),
    /cannot be split/,
  );
});

Deno.test("ustar: a bad checksum or a truncated archive is a clear error", () => {
  const a = packUstar(sample);
  const bad = a.slice();
  bad[512 + 10] ^= 1; // in the second header
  assert.throws(() => unpackUstar(bad), /header at byte 512: bad checksum/);
  assert.throws(() => unpackUstar(a.subarray(0, 1024 + 100)), /truncated/);
  assert.throws(() => unpackUstar(a.subarray(0, a.length - 1024)), /truncated: no end-of-archive/);
  const bogus = a.slice();
  bogus[257] = 0x78; // magic
  let sum = 0;
  for (let i = 0; i < 512; i++) sum += i >= 148 && i < 156 ? 32 : bogus[i];
  bogus.set(te.encode(sum.toString(8).padStart(6, "0") + "\0 "), 148);
  assert.throws(() => unpackUstar(bogus), /not a ustar header/);
});

Deno.test("ustar: '..' in a path is refused; './' and '/' prefixes are dropped", () => {
  const mk = (path: string) =>
    packUstar([{ path, type: "file", mode: 0o644, mtimeSec: 0, data: new Uint8Array(0) }]);
  assert.throws(() => unpackUstar(mk("a/../../etc/passwd")), /has '\.\.'/);
  assert.equal(unpackUstar(mk("./x/y"))[0].path, "x/y");
  assert.equal(unpackUstar(mk("/abs"))[0].path, "abs");
});

Deno.test({
  name: "ustar: an archive from the system tar unpacks with its modes, mtimes and bytes",
  ignore: !HAVE_TAR,
  async fn() {
    const tmp = await Deno.makeTempDir({ prefix: "ustar" });
    const src = `${tmp}/src`;
    await Deno.mkdir(`${src}/sub/deeper`, { recursive: true });
    await Deno.writeTextFile(`${src}/a.txt`, "alpha\n");
    const bin = new Uint8Array(3000).map((_, i) => (i * 31) & 0xff);
    await Deno.writeFile(`${src}/sub/data.bin`, bin);
    await Deno.chmod(`${src}/sub/data.bin`, 0o751);
    await Deno.symlink("../a.txt", `${src}/sub/link`);
    await Deno.link(`${src}/a.txt`, `${src}/sub/hard`);
    await Deno.utime(`${src}/a.txt`, 1600000000, 1600000000);
    const r = await new Deno.Command("tar", {
      args: ["--format=ustar", "-cf", `${tmp}/t.tar`, "-C", src, "."],
    }).output();
    assert.equal(r.code, 0, td.decode(r.stderr));
    const entries = unpackUstar(await Deno.readFile(`${tmp}/t.tar`));
    const by = new Map(entries.map((e) => [e.path, e]));
    assert.equal(by.get(".")?.type, "dir");
    assert.equal(by.get("sub/deeper")?.type, "dir");
    const a = by.get("a.txt")!;
    assert.equal(td.decode(a.data), "alpha\n");
    assert.equal(a.mtimeSec, 1600000000);
    assert.equal(a.mode, (await Deno.stat(`${src}/a.txt`)).mode! & 0o7777);
    const d = by.get("sub/data.bin")!;
    assert.deepEqual(d.data, bin);
    assert.equal(d.mode, 0o751);
    assert.equal(by.get("sub/link")?.linkname, "../a.txt");
    const hard = by.get("sub/hard") ?? by.get("a.txt")!;
    assert.equal(td.decode(hard.data), "alpha\n");
    await Deno.remove(tmp, { recursive: true });
  },
});

Deno.test({
  name: "ustar: the system tar lists our archive with the modes and sizes we packed",
  ignore: !HAVE_TAR,
  async fn() {
    const tmp = await Deno.makeTempDir({ prefix: "ustar" });
    await Deno.writeFile(`${tmp}/ours.tar`, packUstar(sample));
    const r = await new Deno.Command("tar", {
      args: ["-tvf", `${tmp}/ours.tar`],
      env: { TZ: "UTC", LC_ALL: "C" },
    }).output();
    assert.equal(r.code, 0, td.decode(r.stderr));
    const lines = td.decode(r.stdout).trim().split("\n");
    assert.equal(lines.length, sample.length);
    assert.match(lines[0], /^drwxr-xr-x 0\/0 +0 .* etc\/$/);
    assert.match(lines[1], /^-rw-r--r-- 0\/0 +20 .* etc\/hosts$/);
    assert.match(lines[3], /^lrwxrwxrwx 0\/0 +0 .* bin\/sh -> \/rescue\/sh$/);
    assert.match(lines[4], /^-rwsr-xr-x 1000\/50 +1500 .* blob$/);
    assert.ok(lines[5].endsWith("n".repeat(90)));
    // And it extracts byte-exact.
    await Deno.mkdir(`${tmp}/x`);
    const x = await new Deno.Command("tar", { args: ["-xf", `${tmp}/ours.tar`, "-C", `${tmp}/x`] })
      .output();
    assert.equal(x.code, 0, td.decode(x.stderr));
    assert.deepEqual(await Deno.readFile(`${tmp}/x/blob`), sample[4].data);
    assert.equal(await Deno.readLink(`${tmp}/x/bin/sh`), "/rescue/sh");
    await Deno.remove(tmp, { recursive: true });
  },
});
