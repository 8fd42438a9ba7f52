/**
 * host_tree.ts — reads a directory on the host into the ustar archive an image carries as
 * its root tree (what rumprun-bake does with cookfs). Runs on the host, at bake time or
 * when an unbaked image is loaded; the simulated machine never reads the host tree.
 *
 * Rules: regular files, directories and symbolic links only; their permission bits and
 * mtimes are kept. Owners are recorded as root:wheel (0:0) unless `keepOwners` is set, so
 * an archive does not depend on who checked the tree out. Entries are sorted by path
 * (bytewise, a directory before its contents), so the same tree gives the same bytes. A
 * special file (fifo, socket, device) or a symbolic link whose target leaves the tree is
 * refused with an error naming it, as is a path the ustar format cannot hold.
 */
import { packUstar, type UstarEntry } from "../fs/archive/ustar.ts";

export interface HostTreeOptions {
  /** Record the host's uid and gid (default: 0 and 0). */
  keepOwners?: boolean;
}

/** Reads `dir` into ustar entries (paths relative to `dir`, without "."). */
export async function readHostTree(
  dir: string | URL,
  opts: HostTreeOptions = {},
): Promise<UstarEntry[]> {
  const root = typeof dir === "string" ? dir : decodeURIComponent(dir.pathname);
  const top = await Deno.lstat(root).catch((e) => {
    throw new Error(`root tree ${root}: ${(e as Error).message}`);
  });
  if (!top.isDirectory) throw new Error(`root tree ${root}: not a directory`);
  const out: UstarEntry[] = [];
  const walk = async (rel: string): Promise<void> => {
    const names: string[] = [];
    for await (const d of Deno.readDir(rel ? `${root}/${rel}` : root)) names.push(d.name);
    names.sort(byteOrder);
    for (const name of names) {
      const path = rel ? `${rel}/${name}` : name;
      const host = `${root}/${path}`;
      const st = await Deno.lstat(host);
      const common = {
        path,
        mode: (st.mode ?? 0o644) & 0o7777,
        mtimeSec: Math.floor((st.mtime?.getTime() ?? 0) / 1000),
        uid: opts.keepOwners ? (st.uid ?? 0) : 0,
        gid: opts.keepOwners ? (st.gid ?? 0) : 0,
      };
      if (st.isSymlink) {
        const target = await Deno.readLink(host);
        if (escapes(path, target)) {
          throw new Error(`root tree ${root}: ${path} -> ${target} points outside the tree`);
        }
        out.push({ ...common, type: "symlink", linkname: target });
      } else if (st.isDirectory) {
        out.push({ ...common, type: "dir" });
        await walk(path);
      } else if (st.isFile) {
        out.push({ ...common, type: "file", data: await Deno.readFile(host) });
      } else {
        throw new Error(
          `root tree ${root}: ${path} is a special file (only files, directories and symbolic links)`,
        );
      }
    }
  };
  await walk("");
  return out;
}

/** Reads `dir` and packs it as a ustar archive: an image's `root`. */
export async function packHostTree(
  dir: string | URL,
  opts: HostTreeOptions = {},
): Promise<Uint8Array> {
  const entries = await readHostTree(dir, opts);
  try {
    return packUstar(entries);
  } catch (e) {
    throw new Error(`root tree ${String(dir)}: ${(e as Error).message}`);
  }
}

/** True if symbolic link `path` (relative to the tree) with `target` resolves outside it. */
export function escapes(path: string, target: string): boolean {
  if (target.startsWith("/")) return false; // absolute: resolved in the guest's own root
  const parts = path.split("/").slice(0, -1);
  for (const c of target.split("/")) {
    if (c === "" || c === ".") continue;
    if (c === "..") {
      if (parts.length === 0) return true;
      parts.pop();
    } else parts.push(c);
  }
  return false;
}

function byteOrder(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
