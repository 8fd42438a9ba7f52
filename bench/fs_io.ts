/**
 * fs_io.ts — file-system throughput on a booted hw image, wall clock: sequential write and
 * read of a 32 MiB file in 1 MiB calls, and empty-file creates, on tmpfs (the root) and on
 * ext2 over virtio-blk (ld0, a memory-backed disk made by mke2fs, mounted at /mnt).
 * The ext2 file system is unmounted and mounted again between writing and reading, so
 * the reads come from the disk, not the buffer cache.
 *
 *   deno run -A bench/fs_io.ts [RUNS]
 *
 * The app prints a marker line at each phase's start and end; the console hook stamps
 * it with the host's clock (the guest never sees host time).
 */
import { MemBlkBackend } from "../arch/virtio/blk.ts";
import { attachVirtioBlk } from "../arch/virtio/attach.ts";
import { rumpfs_ext2fs } from "../fs/ext2/ext2_component.ts";
import { rumpvfs } from "../fs/vfs_init.ts";
import { rumpdev_ld } from "../dev/ld_component.ts";
import { rumpdev_pci } from "../dev/pci_component.ts";
import type { Image } from "../kernel/syscall/image.ts";
import { O_CREAT, O_RDONLY, O_WRONLY, type Sys, type Wait } from "../kernel/syscall/api.ts";
import { runImage } from "../rumprun/run.ts";

const MIB = 1 << 20;
const FILE_MIB = 32;
const CREATES = 1000;
const RUNS = Number(Deno.args[0] ?? 3);

function* mark(sys: Sys, s: string): Wait {
  yield* sys.write(1, new TextEncoder().encode(`@${s}\n`));
}

const benchApp = {
  name: "fsbench",
  *main(sys: Sys, argv: string[]): Wait<number> {
    const dir = argv[1], remount = argv[2] === "remount";
    const buf = new Uint8Array(MIB);
    for (let i = 0; i < buf.length; i++) buf[i] = (i * 7) & 0xff;
    yield* mark(sys, "write-start");
    let fd = yield* sys.open(`${dir}/big`, O_WRONLY | O_CREAT, 0o644);
    for (let i = 0; i < FILE_MIB; i++) {
      for (let off = 0; off < MIB;) off += yield* sys.write(fd, buf.subarray(off));
    }
    yield* sys.fsync(fd);
    yield* sys.close(fd);
    yield* mark(sys, "write-end");
    if (remount) {
      yield* sys.unmount(dir, 0);
      yield* sys.mount("ext2", dir, 0, { source: "ld0" });
    }
    yield* mark(sys, "read-start");
    fd = yield* sys.open(`${dir}/big`, O_RDONLY);
    let total = 0;
    for (;;) {
      const n = yield* sys.read(fd, buf);
      if (n === 0) break;
      total += n;
    }
    yield* sys.close(fd);
    yield* mark(sys, "read-end");
    if (total !== FILE_MIB * MIB) return 1;
    yield* sys.mkdir(`${dir}/many`, 0o755);
    yield* mark(sys, "create-start");
    for (let i = 0; i < CREATES; i++) {
      yield* sys.close(yield* sys.open(`${dir}/many/f${i}`, O_WRONLY | O_CREAT, 0o644));
    }
    yield* mark(sys, "create-end");
    return 0;
  },
};

async function mkfs(): Promise<Uint8Array> {
  const tmp = await Deno.makeTempDir();
  try {
    const img = `${tmp}/img`;
    const r = await new Deno.Command("mke2fs", {
      args: ["-q", "-F", "-t", "ext2", "-b", "4096", img, "16384"],
    }).output();
    if (r.code !== 0) throw new Error(new TextDecoder().decode(r.stderr));
    return await Deno.readFile(img);
  } finally {
    await Deno.remove(tmp, { recursive: true });
  }
}

async function once(fs: "tmpfs" | "ext2", disk: Uint8Array) {
  const image: Image = {
    name: "fsbench",
    description: "fs throughput",
    components: [rumpvfs, rumpfs_ext2fs, rumpdev_pci, rumpdev_ld],
    apps: [{ app: benchApp, argv: fs === "ext2" ? ["/mnt", "remount"] : ["/bench"] }],
    config: fs === "ext2" ? { blk: [{ source: "ld0", path: "/mnt", fstype: "ext2" }] } : {},
  };
  if (fs === "tmpfs") {
    image.apps.unshift({
      app: {
        name: "mkdir",
        *main(sys) {
          yield* sys.mkdir("/bench", 0o755);
          return 0;
        },
      },
      argv: [],
    });
  }
  const t: Record<string, number> = {};
  let line = "", out = "";
  const dec = new TextDecoder();
  const r = await runImage(image, {
    memBytes: 512 * MIB,
    console: (b) => {
      const s = dec.decode(b);
      out += s;
      for (const ch of s) {
        if (ch !== "\n") {
          line += ch;
          continue;
        }
        if (line.startsWith("@")) t[line.slice(1).trim()] = performance.now();
        line = "";
      }
    },
    onBoot: (b) => void attachVirtioBlk(b.machine, { backend: new MemBlkBackend(disk.slice()) }),
  });
  if (r.status !== 0) throw new Error(`${fs}: status ${r.status}\n${out}`);
  const secs = (a: string) => (t[`${a}-end`] - t[`${a}-start`]) / 1000;
  return {
    write: FILE_MIB * MIB / 1e6 / secs("write"),
    read: FILE_MIB * MIB / 1e6 / secs("read"),
    creates: CREATES / secs("create"),
  };
}

const disk = await mkfs();
for (const fs of ["tmpfs", "ext2"] as const) {
  const rows: Awaited<ReturnType<typeof once>>[] = [];
  for (let i = 0; i < RUNS; i++) rows.push(await once(fs, disk));
  const f = (k: "write" | "read" | "creates", d: number) =>
    rows.map((r) => r[k].toFixed(d)).sort((a, b) => Number(a) - Number(b)).join(" / ");
  console.log(
    `${fs.padEnd(5)}  write ${f("write", 1)} MB/s   read ${f("read", 1)} MB/s   ` +
      `creates ${f("creates", 0)} /s`,
  );
}
