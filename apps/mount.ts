/**
 * mount.ts — mount file systems, or list them (mount(8)).
 *
 * Rules: with no operands, one line per mounted file system as NetBSD prints them
 * (`tmpfs on /tmp type tmpfs (local)`, with "read-only" when so). `mount -t type [-r]
 * [-o opt[=value],...] [source] dir` mounts: the -o options become the mount's data as an
 * object (numbers where they are numbers, modes in octal; tmpfs takes size and mode), the
 * source is passed as its `source`. Failures are reported (`mount: /x: No such file or
 * directory`) and the status is 1.
 */
import { type App, MNT_RDONLY, type Sys, type Wait } from "../kernel/syscall/api.ts";
import { warnErr } from "./lib/fsutil.ts";
import { getopt } from "./lib/getopt.ts";
import { eprint, print } from "./lib/stdio.ts";

/** Parses "-o size=1M,mode=755,ro" into mount data. */
export function parseMountOpts(s: string): Record<string, string | number | boolean> {
  const out: Record<string, string | number | boolean> = {};
  for (const part of s.split(",").filter((p) => p !== "")) {
    const eq = part.indexOf("=");
    if (eq < 0) {
      out[part] = true;
      continue;
    }
    const k = part.slice(0, eq), v = part.slice(eq + 1);
    if (k === "mode" && /^[0-7]+$/.test(v)) out[k] = parseInt(v, 8);
    else if (/^[0-9]+$/.test(v)) out[k] = Number(v);
    else out[k] = v;
  }
  return out;
}

const USAGE = "usage: mount [-t type [-r] [-o options] [source] dir]\n";

function* main(sys: Sys, argv: string[]): Wait<number> {
  const g = getopt(argv.slice(1), "t:o:rv");
  if (!g.ok) {
    yield* eprint(sys, `mount: ${g.error}\n${USAGE}`);
    return 1;
  }
  const ops = g.value.operands;
  if (ops.length === 0 && !g.value.opts.has("t")) {
    let out = "";
    for (const m of yield* sys.getmntinfo()) {
      const flags = [(m.flag & MNT_RDONLY) ? "read-only" : "", "local"].filter((x) => x);
      out += `${m.mntfromname} on ${m.mntonname} type ${m.fstypename} (${flags.join(", ")})\n`;
    }
    yield* print(sys, out);
    return 0;
  }
  const type = g.value.opts.get("t");
  if (!type || ops.length < 1 || ops.length > 2) {
    yield* eprint(sys, USAGE);
    return 1;
  }
  const dir = ops[ops.length - 1];
  const opts = g.value.opts.get("o");
  const data: Record<string, unknown> = opts !== undefined ? parseMountOpts(opts) : {};
  if (ops.length === 2) data.source = ops[0];
  const flags = g.value.opts.has("r") || data.ro === true ? MNT_RDONLY : 0;
  try {
    yield* sys.mount(type, dir, flags, Object.keys(data).length ? data : undefined);
  } catch (e) {
    yield* warnErr(sys, "mount", dir, e);
    return 1;
  }
  return 0;
}

export const mount: App = { name: "mount", main, summary: "mount or list file systems" };
export default mount;
