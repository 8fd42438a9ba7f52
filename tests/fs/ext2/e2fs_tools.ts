/**
 * e2fs_tools.ts — test support: running generators that never wait, and making and
 * checking ext2 images with the host's e2fsprogs (mke2fs, e2fsck, debugfs).
 *
 * Tests that need e2fsprogs use `ignore: !HAVE_E2FSPROGS`.
 */
import { MemBlockDevice } from "../../../fs/bdev_mem.ts";

function hasCommand(cmd: string, args: string[]): boolean {
  try {
    new Deno.Command(cmd, { args, stdout: "null", stderr: "null" }).outputSync();
    return true;
  } catch {
    return false;
  }
}

/** True when mke2fs, e2fsck and debugfs can be run. */
export const HAVE_E2FSPROGS = hasCommand("mke2fs", ["-V"]) && hasCommand("e2fsck", ["-V"]) &&
  hasCommand("debugfs", ["-V"]);

/** Runs a generator that must never wait (everything over a MemBlockDevice). */
export function run<T>(g: Generator<unknown, T, unknown>): T {
  const r = g.next();
  if (!r.done) throw new Error("test: the operation tried to wait");
  return r.value;
}

/** The Errno name a generator throws (e.g. "ENOENT"), or "none". */
export function errOf(g: Generator<unknown, unknown, unknown>): string {
  try {
    run(g);
    return "none";
  } catch (e) {
    const code = (e as { code?: string }).code;
    if (code === undefined) throw e;
    return code;
  }
}

/** A fixed clock for deterministic inode times (2024-01-02T03:04:05Z). */
export const NOW_NS = 1704164645 * 1e9;
export const now = () => NOW_NS;

async function exec(
  cmd: string,
  args: string[],
): Promise<{ code: number; out: string; stdout: string }> {
  const r = await new Deno.Command(cmd, { args, stdout: "piped", stderr: "piped" }).output();
  const td = new TextDecoder();
  const stdout = td.decode(r.stdout);
  return { code: r.code, out: stdout + td.decode(r.stderr), stdout };
}

/** Makes an ext2 image of `blocks` blocks from the tree `populate` writes into a temp dir. */
export async function makeImage(
  populate: (dir: string) => Promise<void>,
  opts: {
    blockSize: number;
    inodeSize?: number;
    blocks: number;
    extra?: string[];
    /** Keep the source tree (the caller removes `tmp`); otherwise everything is removed. */
    keepSource?: boolean;
  },
): Promise<{ bytes: Uint8Array; src: string; tmp: string }> {
  const tmp = await Deno.makeTempDir({ prefix: "ext2img" });
  const src = `${tmp}/root`;
  await Deno.mkdir(src);
  await populate(src);
  const img = `${tmp}/img`;
  const args = ["-q", "-F", "-t", "ext2", "-b", String(opts.blockSize)];
  if (opts.inodeSize) args.push("-I", String(opts.inodeSize));
  args.push(...(opts.extra ?? []), "-d", src, img, String(opts.blocks));
  try {
    const r = await exec("mke2fs", args);
    if (r.code !== 0) throw new Error(`mke2fs failed: ${r.out}`);
    return { bytes: await Deno.readFile(img), src, tmp };
  } finally {
    if (opts.keepSource) await Deno.remove(img);
    else await Deno.remove(tmp, { recursive: true });
  }
}

async function withImage<T>(bytes: Uint8Array, f: (path: string) => Promise<T>): Promise<T> {
  const tmp = await Deno.makeTempDir({ prefix: "ext2chk" });
  const img = `${tmp}/img`;
  await Deno.writeFile(img, bytes);
  try {
    return await f(img);
  } finally {
    await Deno.remove(tmp, { recursive: true });
  }
}

/** `e2fsck -fn`: exit status 0 means clean. */
export function e2fsck(bytes: Uint8Array): Promise<{ code: number; out: string }> {
  return withImage(bytes, (img) => exec("e2fsck", ["-fn", img]));
}

/** `debugfs -R cmd` (read-only); its standard output. */
export function debugfs(bytes: Uint8Array, cmd: string): Promise<string> {
  return withImage(bytes, async (img) => (await exec("debugfs", ["-R", cmd, img])).stdout);
}

/** `debugfs -w -R cmd`: returns the modified image. */
export function debugfsWrite(bytes: Uint8Array, cmd: string): Promise<Uint8Array> {
  return withImage(bytes, async (img) => {
    const r = await exec("debugfs", ["-w", "-R", cmd, img]);
    if (r.code !== 0) throw new Error(`debugfs failed: ${r.out}`);
    return await Deno.readFile(img);
  });
}

/** A MemBlockDevice over a copy of `bytes`. */
export function devOf(bytes: Uint8Array, readOnly = false): MemBlockDevice {
  return new MemBlockDevice(bytes.slice(), { readOnly });
}

/** Deterministic pseudo-random bytes (xorshift32). */
export function pattern(n: number, seed: number): Uint8Array {
  const out = new Uint8Array(n);
  let x = seed >>> 0 || 1;
  for (let i = 0; i < n; i++) {
    x ^= x << 13;
    x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    out[i] = x & 0xff;
  }
  return out;
}
