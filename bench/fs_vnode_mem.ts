/**
 * fs_vnode_mem.ts — memory per cached (referenced) vnode on tmpfs and ext2: guest kernel
 * memory (kmem in use) and host JS heap, as the slope between N and 2N files held open
 * through the kernel's own VFS calls (no descriptor-table limit). ext2 sits on a memory
 * disk made by mke2fs; the files exist before the measurement, so only the vnodes (and
 * ext2's in-core inodes) are counted, not the files' creation.
 *
 *   deno run -A --v8-flags=--expose-gc bench/fs_vnode_mem.ts [N]
 */
import { MemBlockDevice } from "../fs/bdev_mem.ts";
import { ext2Type } from "../fs/ext2/vnops.ts";
import { mountAt, registerFsType, vfsInit, vfsOf } from "../fs/vfs_init.ts";
import type { KFile } from "../kernel/syscall/file.ts";
import { O_CREAT, O_RDONLY, O_WRONLY } from "../kernel/syscall/api.ts";
import { runInKernel } from "../tests/support/kernel.ts";

const N = Number(Deno.args[0] ?? 2000);
const gc = (globalThis as { gc?: () => void }).gc ?? (() => {});

async function mkfs(): Promise<Uint8Array> {
  const tmp = await Deno.makeTempDir();
  try {
    const img = `${tmp}/img`;
    const r = await new Deno.Command("mke2fs", {
      args: ["-q", "-F", "-t", "ext2", "-b", "4096", "-N", String(4 * N + 64), img, "8192"],
    }).output();
    if (r.code !== 0) throw new Error(new TextDecoder().decode(r.stderr));
    return await Deno.readFile(img);
  } finally {
    await Deno.remove(tmp, { recursive: true });
  }
}

const disk = await mkfs();
const result = runInKernel(function* (k) {
  yield* vfsInit(k);
  registerFsType(k, ext2Type);
  yield* mountAt(k, "ext2", "/ext2", 0, { dev: new MemBlockDevice(disk) });
  yield* mountAt(k, "tmpfs", "/tmpfs", 0, { size: 64 << 20, mode: 0o755 });
  const { syscalls: s, kproc } = vfsOf(k);
  const out: Record<string, { kmem: number; heap: number }> = {};
  for (const fs of ["tmpfs", "ext2"]) {
    for (let i = 0; i < 2 * N; i++) {
      const f = yield* s.open(kproc, `/${fs}/f${i}`, O_WRONLY | O_CREAT, 0o644);
      yield* f.ops.close(f);
    }
    const held: KFile[] = [];
    const hold = function* (from: number) {
      for (let i = from; i < from + N; i++) {
        held.push(yield* s.open(kproc, `/${fs}/f${i}`, O_RDONLY, 0));
      }
    };
    const snap = () => {
      for (let i = 0; i < 5; i++) gc();
      return { kmem: k.memInUse, heap: Deno.memoryUsage().heapUsed };
    };
    yield* hold(0);
    const a = snap();
    yield* hold(N);
    const b = snap();
    out[fs] = { kmem: (b.kmem - a.kmem) / N, heap: (b.heap - a.heap) / N };
    for (const f of held) yield* f.ops.close(f);
  }
  return out;
}, { memBytes: 256 * 1024 * 1024 });
if (!result.value) throw new Error(result.console);
for (const [fs, v] of Object.entries(result.value)) {
  console.log(
    `${fs.padEnd(5)}  per held vnode (${N} → ${2 * N}): kmem ${v.kmem.toFixed(0)} B, ` +
      `JS heap ${(v.heap / 1024).toFixed(2)} KiB`,
  );
}
