/**
 * sqlite_build.ts (test support for tests/wasm, also used by bench/wasm_sqlite.ts and
 * bench/wasm_load.ts) — the unmodified SQLite shell as a rumpsim program: the amalgamation
 * and shell.c of sqlite-autoconf, as the npm `sqlite3` package's tarball carries it,
 * fetched with `npm pack` at run time (never committed) and built with deno task cc.
 *
 * Rules: the build (minutes) is cached in the system's temporary directory, keyed by the
 * SQLite version and a hash of the compiler wrapper and the C overlay, as two files: the
 * linked module before the Asyncify step and the module cc writes (the same step, run
 * here on the first). A missing toolchain or a failed fetch is an error naming it.
 */
import { asyncifyStep, cc } from "../../cli/cc.ts";
import { requireToolchain } from "./support.ts";

const NPM_PACKAGE = "sqlite3@5.1.7";
const AUTOCONF = "sqlite-autoconf-3440200";
/** deno task cc's arguments for the shell, less the sources and -o. */
const FLAGS = ["-O2", "-DSQLITE_THREADSAFE=0", "-DSQLITE_OMIT_LOAD_EXTENSION", "-DSQLITE_OMIT_WAL"];

/** Runs `cmd`; its stdout, or an Error with its status and stderr. */
export async function sh(cmd: string, args: string[], cwd?: string): Promise<string> {
  const r = await new Deno.Command(cmd, { args, cwd, stdout: "piped", stderr: "piped" }).output();
  const td = new TextDecoder();
  if (r.code !== 0) {
    throw new Error(`${cmd} ${args.join(" ")}: status ${r.code}: ${td.decode(r.stderr).trim()}`);
  }
  return td.decode(r.stdout);
}

async function overlayHash(): Promise<string> {
  const root = new URL("../../", import.meta.url);
  const parts: Uint8Array[] = [await Deno.readFile(new URL("cli/cc.ts", root))];
  const walk = async (dir: URL) => {
    const names = [...Deno.readDirSync(dir)].sort((a, b) => a.name < b.name ? -1 : 1);
    for (const e of names) {
      if (e.isDirectory) await walk(new URL(`${e.name}/`, dir));
      else parts.push(await Deno.readFile(new URL(e.name, dir)));
    }
  };
  await walk(new URL("wasm/libc/", root));
  const all = new Uint8Array(parts.reduce((s, p) => s + p.length, 0));
  let o = 0;
  for (const p of parts) all.set(p, (o += p.length) - p.length);
  const h = new Uint8Array(await crypto.subtle.digest("SHA-256", all));
  return [...h.subarray(0, 8)].map((b) => b.toString(16).padStart(2, "0")).join("");
}

function exists(path: string): boolean {
  try {
    Deno.statSync(path);
    return true;
  } catch {
    return false;
  }
}

/** The SQLite shell's two cached builds: before and after the Asyncify step. */
export interface SqliteBuild {
  /** The linked module, before wasm-opt --asyncify (not loadable). */
  linked: string;
  /** The module deno task cc writes: the one to run. */
  shell: string;
  /** deno task cc's arguments for the Asyncify step (its -O level). */
  flags: string[];
}

/** Fetches, builds and caches the SQLite shell; the paths of the two builds. */
export async function sqliteBuild(): Promise<SqliteBuild> {
  requireToolchain();
  const stem = `${Deno.env.get("TMPDIR") ?? "/tmp"}/rumpsim-${AUTOCONF}-${await overlayHash()}`;
  const linked = `${stem}.linked.wasm`, shell = `${stem}.wasm`;
  if (!exists(linked)) {
    const dir = await Deno.makeTempDir({ prefix: "rumpsim-sqlite-" });
    try {
      try {
        await sh("npm", ["pack", "--silent", NPM_PACKAGE], dir);
      } catch (e) {
        throw new Error(
          `fetching ${NPM_PACKAGE} from the npm registry failed: ${(e as Error).message}`,
        );
      }
      await sh("tar", ["xzf", "sqlite3-5.1.7.tgz", `package/deps/${AUTOCONF}.tar.gz`], dir);
      await sh("tar", ["xzf", `package/deps/${AUTOCONF}.tar.gz`], dir);
      const src = `${dir}/${AUTOCONF}`;
      const out = `${dir}/sqlite3.linked.wasm`;
      const code = await cc([...FLAGS, `${src}/shell.c`, `${src}/sqlite3.c`, "-o", out], {
        asyncify: false,
      });
      if (code !== 0) throw new Error(`deno task cc of SQLite failed with status ${code}`);
      await Deno.copyFile(out, linked);
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  }
  if (!exists(shell)) {
    const tmp = `${shell}.${Deno.pid}`;
    const code = await asyncifyStep(linked, tmp, FLAGS);
    if (code !== 0) throw new Error(`wasm-opt --asyncify of SQLite failed with status ${code}`);
    await Deno.rename(tmp, shell);
  }
  return { linked, shell, flags: FLAGS };
}

/** The SQLite shell as a rumpsim program (built with deno task cc): its path. */
export async function sqliteShell(): Promise<string> {
  return (await sqliteBuild()).shell;
}
