/**
 * ls.ts — list directory contents, as NetBSD's ls(1) does with output that is not a
 * terminal: one name per line.
 *
 * Rules: `ls [-1adlAR] [file ...]` (default "."). Operands that are not directories are
 * listed first, then each directory's entries under a "dir:" header when there is more
 * than one operand. Names starting with '.' are hidden unless -a (or -A, which still
 * hides "." and ".."); entries are sorted bytewise. -l prints NetBSD's long format: mode,
 * links, owner, group, size, date (time of day within six months of now, else the year),
 * name, and `-> target` for a symbolic link, with "total N" (512-byte blocks) above a
 * directory's entries; with -l a symbolic link operand is not followed. A missing operand
 * is reported (`ls: x: No such file or directory`) and the status is 1. -R lists each
 * subdirectory after its parent, depth first in name order, under a "path:" header
 * (symbolic links to directories are not followed; "." and ".." are not descended).
 */
import {
  type App,
  CLOCK_REALTIME,
  S_ISDIR,
  S_ISLNK,
  type Stat,
  type Sys,
  type Wait,
} from "../kernel/syscall/api.ts";
import { errText, joinPath, readDirNames, warnErr } from "./lib/fsutil.ts";
import { getopt } from "./lib/getopt.ts";
import { eprint, print } from "./lib/stdio.ts";
import { groupName, lsTime, strmode, userName } from "./lib/strmode.ts";

interface Entry {
  name: string;
  path: string;
  st: Stat;
}

interface Flags {
  long: boolean;
  all: boolean;
  almostAll: boolean;
  dirAsFile: boolean;
  recursive: boolean;
}

function* main(sys: Sys, argv: string[]): Wait<number> {
  const g = getopt(argv.slice(1), "1adlAR");
  if (!g.ok) {
    yield* eprint(sys, `ls: ${g.error}\nusage: ls [-1adlAR] [file ...]\n`);
    return 1;
  }
  const o = g.value.opts;
  const f: Flags = {
    long: o.has("l"),
    all: o.has("a"),
    almostAll: o.has("A"),
    dirAsFile: o.has("d"),
    recursive: o.has("R"),
  };
  const operands = g.value.operands.length ? g.value.operands : ["."];
  let status = 0;
  const files: Entry[] = [];
  const dirs: Entry[] = [];
  for (const name of operands) {
    let st: Stat;
    try {
      st = f.long || f.dirAsFile ? yield* sys.lstat(name) : yield* statFollow(sys, name);
    } catch (e) {
      yield* warnErr(sys, "ls", name, e);
      status = 1;
      continue;
    }
    (S_ISDIR(st.mode) && !f.dirAsFile ? dirs : files).push({ name, path: name, st });
  }
  const byName = (a: Entry, b: Entry) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0);
  files.sort(byName);
  dirs.sort(byName);
  if (files.length) yield* printEntries(sys, files, f, false);
  const headers = operands.length > 1;
  let first = files.length === 0;
  /** Lists directory `d` (its header first when `header`), then with -R its subdirectories. */
  const listDir = function* (d: Entry, header: boolean): Wait {
    if (header) yield* print(sys, `${first ? "" : "\n"}${d.name}:\n`);
    first = false;
    let names: string[];
    try {
      names = yield* readDirNames(sys, d.path, true);
    } catch (e) {
      yield* warnErr(sys, "ls", d.name, e);
      status = 1;
      return;
    }
    names = names.filter((n) =>
      f.all || (f.almostAll ? n !== "." && n !== ".." : !n.startsWith("."))
    );
    const entries: Entry[] = [];
    for (const n of names) {
      const path = joinPath(d.path, n);
      try {
        entries.push({ name: n, path, st: yield* sys.lstat(path) });
      } catch (e) {
        yield* warnErr(sys, "ls", path, e);
        status = 1;
      }
    }
    yield* printEntries(sys, entries, f, true);
    if (!f.recursive) return;
    for (const e of entries) {
      if (e.name === "." || e.name === ".." || !S_ISDIR(e.st.mode)) continue;
      yield* listDir({ name: e.path, path: e.path, st: e.st }, true);
    }
  };
  for (const d of dirs) yield* listDir(d, headers);
  return status;
}

/** stat, or lstat for a dangling symbolic link (ls shows the link itself). */
function* statFollow(sys: Sys, path: string): Wait<Stat> {
  try {
    return yield* sys.stat(path);
  } catch (e) {
    errText(e);
    return yield* sys.lstat(path);
  }
}

function* printEntries(sys: Sys, entries: Entry[], f: Flags, isDir: boolean): Wait {
  if (!f.long) {
    yield* print(sys, entries.map((e) => e.name + "\n").join(""));
    return;
  }
  const now = sys.clock_gettime(CLOCK_REALTIME).sec;
  const w = { links: 1, user: 1, group: 1, size: 1 };
  for (const e of entries) {
    w.links = Math.max(w.links, String(e.st.nlink).length);
    w.user = Math.max(w.user, userName(e.st.uid).length);
    w.group = Math.max(w.group, groupName(e.st.gid).length);
    w.size = Math.max(w.size, String(e.st.size).length);
  }
  let out = "";
  if (isDir) out += `total ${entries.reduce((n, e) => n + e.st.blocks, 0)}\n`;
  for (const e of entries) {
    let line = `${strmode(e.st.mode)} ${String(e.st.nlink).padStart(w.links)} ` +
      `${userName(e.st.uid).padEnd(w.user)}  ${groupName(e.st.gid).padEnd(w.group)}  ` +
      `${String(e.st.size).padStart(w.size)} ${lsTime(e.st.mtime.sec, now)} ${e.name}`;
    if (S_ISLNK(e.st.mode)) {
      try {
        line += ` -> ${yield* sys.readlink(e.path)}`;
      } catch (err) {
        errText(err);
      }
    }
    out += line + "\n";
  }
  yield* print(sys, out);
}

export const ls: App = { name: "ls", main, summary: "list directory contents" };
export default ls;
