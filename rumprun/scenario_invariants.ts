/**
 * scenario_invariants.ts — the invariants most scenarios need, for `Scenario.invariants`:
 * an app's exit status, what a console printed (or never printed), a kernel counter, a
 * disk's raw bytes and a file in the ext2 file system on a disk.
 *
 *   invariants: [exitStatus("client", 0), consoleNever("server", /panic/, 100e6),
 *                fileContent("db", 0, "/log", /committed$/)]
 *
 * Rules: a check returns null when the invariant holds, else one line saying why not; it
 * reads the world and never changes it (a disk is read from a copy of its bytes).
 */
import { VIRTIO_BLK_SECTOR_SIZE } from "../arch/virtio/blk.ts";
import { MemBlockDevice } from "../fs/bdev_mem.ts";
import { Ext2Volume } from "../fs/ext2/volume.ts";
import type { Invariant, ScenarioWorld } from "./scenario.ts";

/** The machine's apps ended with `want` (and the run did not end before they did). */
export function exitStatus(machine: string, want = 0): Invariant {
  return {
    name: `${machine} exits ${want}`,
    check(w) {
      const st = w.node(machine).status;
      if (st === null) return `${machine} was still running at ${fmtNs(w.now())}`;
      return st === want ? null : `${machine} exited ${st}`;
    },
  };
}

/** The machine's console (every boot, CR LF as LF) matches `re`. */
export function consoleMatches(machine: string, re: RegExp): Invariant {
  return {
    name: `${machine} console ${re}`,
    check: (w) => re.test(w.node(machine).console) ? null : `no line matches ${re}`,
  };
}

/** The machine's console never matches `re` (checked every `everyNs` too, if given). */
export function consoleNever(machine: string, re: RegExp, everyNs?: number): Invariant {
  return {
    name: `${machine} console never ${re}`,
    everyNs,
    check(w) {
      const m = re.exec(w.node(machine).console);
      return m ? `printed "${m[0]}"` : null;
    },
  };
}

/** A counter in a sysctl node, e.g. sysctlAtMost("client", "net.inet.tcp.stats", "rexmttimeo", 10). */
export function sysctlAtMost(machine: string, node: string, field: string, max: number): Invariant {
  return {
    name: `${machine} ${node}.${field} <= ${max}`,
    check(w) {
      const v = (w.sysctl(machine, node) as Record<string, number> | undefined)?.[field];
      if (typeof v !== "number") return `${node}.${field} is not a counter`;
      return v <= max ? null : `${node}.${field} is ${v}`;
    },
  };
}

/** The bytes of sectors `first..last` of a machine's disk equal `want` (a prefix). */
export function diskBytes(
  machine: string,
  disk: number,
  first: number,
  want: Uint8Array,
): Invariant {
  return {
    name: `${machine} ld${disk} sector ${first}`,
    check(w) {
      const m = w.node(machine).media[disk];
      if (!m) return `no disk ${disk}`;
      const at = first * VIRTIO_BLK_SECTOR_SIZE;
      const got = m.bytes.subarray(at, at + want.length);
      const i = got.findIndex((b, k) => b !== want[k]);
      return i < 0 && got.length === want.length ? null : `differs at byte ${at + Math.max(i, 0)}`;
    },
  };
}

/** Runs a generator that must not wait (ext2 over a memory device never does). */
function runNow<T>(g: Generator<unknown, T, unknown>): T {
  const r = g.next();
  if (!r.done) throw new Error("the disk read tried to wait");
  return r.value;
}

/** The content of `path` in the ext2 file system on a machine's disk, read from the host side. */
export function readDiskFile(w: ScenarioWorld, machine: string, disk: number, path: string) {
  const m = w.node(machine).media[disk];
  if (!m) throw new Error(`${machine} has no disk ${disk}`);
  // A copy, read-only: reading never changes the disk the machine sees.
  const vol = runNow(
    Ext2Volume.mount(new MemBlockDevice(m.bytes.slice(), { readOnly: true }), {
      readOnly: true,
      now: () => 0,
    }),
  );
  let ino = vol.root;
  for (const part of path.split("/").filter((p) => p)) ino = runNow(vol.lookup(ino, part));
  const size = runNow(vol.getInode(ino)).size;
  const buf = new Uint8Array(size);
  let off = 0;
  while (off < size) {
    const n = runNow(vol.read(ino, off, buf.subarray(off)));
    if (n === 0) break;
    off += n;
  }
  return buf.subarray(0, off);
}

/**
 * A file on a machine's ext2 disk (ld`disk`) holds `want` (bytes, text, or text matching a
 * RegExp), read from the disk's bytes as they are at the check (what a crash left).
 */
export function fileContent(
  machine: string,
  disk: number,
  path: string,
  want: string | Uint8Array | RegExp,
): Invariant {
  return {
    name: `${machine} ld${disk}:${path}`,
    check(w) {
      let got: Uint8Array;
      try {
        got = readDiskFile(w, machine, disk, path);
      } catch (e) {
        return `cannot read it: ${String((e as Error).message ?? e).split("\n")[0]}`;
      }
      const text = new TextDecoder().decode(got);
      if (want instanceof RegExp) {
        return want.test(text)
          ? null
          : `${JSON.stringify(text.slice(0, 80))} does not match ${want}`;
      }
      const bytes = typeof want === "string" ? new TextEncoder().encode(want) : want;
      if (bytes.length === got.length && bytes.every((b, i) => b === got[i])) return null;
      return `holds ${got.length} bytes ${
        JSON.stringify(text.slice(0, 80))
      }, not the ${bytes.length} expected`;
    },
  };
}

/** `1.5 s`, `20 ms`, `300 µs`: a virtual time for messages. */
export function fmtNs(ns: number): string {
  if (ns >= 1e9) return `${(ns / 1e9).toFixed(3)} s`;
  if (ns >= 1e6) return `${(ns / 1e6).toFixed(3)} ms`;
  return `${(ns / 1e3).toFixed(0)} µs`;
}
