/**
 * lighttpd_test.ts — a real HTTP server, built from its Debian source package without
 * editing a source file: lighttpd 1.4.69 (single process, an event loop on select(2) and
 * non-blocking sockets, so it fits a program that cannot fork; webfs's source is not on
 * this mirror and mini-httpd forks per connection). The source is fetched at test time
 * with `apt-get source` from a private sources list (the system's apt setup is left
 * alone), configured with deno task cc as CC, and built as one static program with the
 * modules it needs listed in plugin-static.h, as lighttpd's static build expects. It
 * serves a site from an ext2 disk to curl on the host through --hostfwd: GET of several
 * files byte-exact, HEAD, 404, two requests on one kept-alive connection, 50 concurrent
 * clients.
 *
 * The build (about a minute and a half) is cached in the system's temporary directory,
 * keyed by a hash of the compiler wrapper and the C overlay.
 */
import assert from "node:assert/strict";
import { HAVE_E2FSPROGS, makeImage } from "../fs/ext2/e2fs_tools.ts";
import { requireToolchain } from "./support.ts";

const VERSION = "1.4.69";
const ROOT = new URL("../../", import.meta.url).pathname;
const CC = `${ROOT}cli/cc.ts`;

async function sh(
  cmd: string,
  args: string[],
  opts: { cwd?: string; env?: Record<string, string> } = {},
): Promise<string> {
  const r = await new Deno.Command(cmd, { args, ...opts, stdout: "piped", stderr: "piped" })
    .output();
  const td = new TextDecoder();
  if (r.code !== 0) {
    const err = (td.decode(r.stderr) || td.decode(r.stdout)).trim().split("\n").slice(-5).join(
      " | ",
    );
    throw new Error(`${cmd} ${args.slice(0, 3).join(" ")}...: status ${r.code}: ${err}`);
  }
  return td.decode(r.stdout);
}

async function overlayHash(): Promise<string> {
  const parts: Uint8Array[] = [await Deno.readFile(CC)];
  const walk = async (dir: string) => {
    for (const e of [...Deno.readDirSync(dir)].sort((a, b) => a.name < b.name ? -1 : 1)) {
      if (e.isDirectory) await walk(`${dir}/${e.name}`);
      else parts.push(await Deno.readFile(`${dir}/${e.name}`));
    }
  };
  await walk(`${ROOT}wasm/libc`);
  const all = new Uint8Array(parts.reduce((s, p) => s + p.length, 0));
  let o = 0;
  for (const p of parts) all.set(p, (o += p.length) - p.length);
  const h = new Uint8Array(await crypto.subtle.digest("SHA-256", all));
  return [...h.subarray(0, 8)].map((b) => b.toString(16).padStart(2, "0")).join("");
}

/** The server's sources: the core and the modules the site needs (Makefile.am's lists). */
const SOURCES = [
  "base64.c buffer.c burl.c log.c http_header.c http_kv.c keyvalue.c chunk.c http_chunk.c",
  "fdevent.c fdevent_fdnode.c gw_backend.c stat_cache.c http_etag.c array.c algo_md5.c",
  "algo_sha1.c algo_splaytree.c configfile-glue.c http-header-glue.c http_cgi.c http_date.c",
  "rand.c request.c sock_addr.c fdlog_maint.c fdlog.c sys-setjmp.c ck.c server.c response.c",
  "connections.c h2.c reqpool.c plugin.c sock_addr_cache.c network.c network_write.c",
  "ls-hpack/lshpack.c algo_xxhash.c fdevent_impl.c http_range.c data_config.c configfile.c",
  "configparser.c mod_indexfile.c mod_staticfile.c mod_dirlisting.c mod_access.c mod_alias.c",
].join(" ").split(" ");
const MODULES = ["mod_indexfile", "mod_staticfile", "mod_dirlisting", "mod_access", "mod_alias"];

async function lighttpd(): Promise<string> {
  requireToolchain();
  const cached = `${
    Deno.env.get("TMPDIR") ?? "/tmp"
  }/rumpsim-lighttpd-${VERSION}-${await overlayHash()}.wasm`;
  try {
    Deno.statSync(cached);
    return cached;
  } catch { /* build it */ }
  const dir = await Deno.makeTempDir({ prefix: "rumpsim-lighttpd-" });
  try {
    // apt-get source through a private sources list and lists directory.
    await Deno.mkdir(`${dir}/lists/partial`, { recursive: true });
    await Deno.writeTextFile(
      `${dir}/sources.list`,
      "deb-src http://deb.debian.org/debian bookworm main\n",
    );
    const apt = [
      "-o",
      `Dir::Etc::SourceList=${dir}/sources.list`,
      "-o",
      "Dir::Etc::SourceParts=/nonexistent",
      "-o",
      `Dir::State::Lists=${dir}/lists`,
      "-o",
      "Debug::NoLocking=1",
    ];
    try {
      await sh("apt-get", [...apt, "update"]);
      await sh("apt-get", [...apt, "source", "--download-only", `lighttpd=${VERSION}-1`], {
        cwd: dir,
      });
    } catch (e) {
      throw new Error(`fetching lighttpd's Debian source failed: ${(e as Error).message}`);
    }
    await sh("tar", ["xJf", `lighttpd_${VERSION}.orig.tar.xz`], { cwd: dir });
    const src = `${dir}/lighttpd-${VERSION}`;
    const cc = `${dir}/cc`;
    await Deno.writeTextFile(cc, `#!/bin/sh\nexec "${Deno.execPath()}" run -A "${CC}" "$@"\n`);
    await Deno.chmod(cc, 0o755);
    // configure as a cross build for wasm32-wasi; lighttpd's static build (no dlopen);
    // no poll(2) backend (its event bits are asserted to be Linux's): select(2) instead;
    // no fork: the overlay's fork() exists only to fail with ENOSYS.
    await sh("./configure", [
      "--host=wasm32-unknown-wasi",
      "--build=x86_64-linux-gnu",
      "--disable-shared",
      "--enable-static",
      "--without-pcre",
      "--without-pcre2",
      "--without-zlib",
      "--without-bzip2",
      "--without-openssl",
      "--without-lua",
      "--without-mysql",
      "--without-ldap",
      "--disable-ipv6",
      "--disable-lfs",
    ], {
      cwd: src,
      env: {
        CC: cc,
        CFLAGS: "-O2",
        AR: "llvm-ar-14",
        RANLIB: "llvm-ranlib-14",
        LIGHTTPD_STATIC: "yes",
        ac_cv_func_fork: "no", // fork() links (for the paths that call it) but fails
        ac_cv_func_fork_works: "no",
        ac_cv_header_poll_h: "no",
        ac_cv_func_poll: "no",
        ac_cv_func_mmap: "no",
        ac_cv_header_sys_mman_h: "no",
      },
    });
    // What the Makefile would generate, and the static build's module list.
    await Deno.writeTextFile(`${src}/src/versionstamp.h`, '#define REPO_VERSION ""\n');
    await Deno.writeTextFile(
      `${src}/src/plugin-static.h`,
      MODULES.map((m) => `PLUGIN_INIT(${m})\n`).join(""),
    );
    const out = `${dir}/lighttpd.wasm`;
    await sh(cc, [
      "-O2",
      "-DHAVE_CONFIG_H",
      "-DHAVE_VERSIONSTAMP_H",
      "-DLIGHTTPD_STATIC",
      '-DLIBRARY_DIR="/lib"',
      '-DSBIN_DIR="/sbin"',
      "-I..",
      "-I.",
      ...SOURCES,
      "-o",
      out,
    ], { cwd: `${src}/src` });
    await Deno.copyFile(out, cached);
    return cached;
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

function pattern(n: number, seed: number): Uint8Array {
  const b = new Uint8Array(n);
  let x = seed;
  for (let i = 0; i < n; i++) {
    x = (x * 1103515245 + 12345) >>> 0;
    b[i] = x >>> 24;
  }
  return b;
}

const SITE: Record<string, Uint8Array> = {
  "www/index.html": new TextEncoder().encode("<h1>lighttpd on rumpsim</h1>\n"),
  "www/hello.txt": new TextEncoder().encode("hello\n"),
  "www/big.bin": pattern(300_000, 7),
  "www/docs/a.txt": new TextEncoder().encode("a file in a directory\n"),
};
const CONF = `server.document-root = "/srv/www"
server.port = 80
server.modules = ("mod_indexfile", "mod_staticfile")
index-file.names = ("index.html")
mimetype.assign = (".html" => "text/html", ".txt" => "text/plain", ".bin" => "application/octet-stream")
`;

async function curl(args: string[]): Promise<{ code: number; out: Uint8Array; err: string }> {
  const r = await new Deno.Command("curl", {
    args: ["-s", "-m", "20", ...args],
    stdout: "piped",
    stderr: "piped",
  })
    .output();
  return { code: r.code, out: r.stdout, err: new TextDecoder().decode(r.stderr) };
}

Deno.test({
  name:
    "lighttpd from its Debian source serves curl through hostfwd: GET byte-exact, HEAD, 404, keep-alive, 50 clients",
  ignore: !HAVE_E2FSPROGS,
  async fn() {
    const wasm = await lighttpd();
    const img = await makeImage(async (d) => {
      for (const [p, data] of Object.entries(SITE)) {
        await Deno.mkdir(`${d}/${p.split("/").slice(0, -1).join("/")}`, { recursive: true });
        await Deno.writeFile(`${d}/${p}`, data);
      }
      await Deno.writeTextFile(`${d}/lighttpd.conf`, CONF);
    }, { blockSize: 1024, blocks: 4096 });
    const disk = await Deno.makeTempFile({ prefix: "lighttpd-disk-" });
    await Deno.writeFile(disk, img.bytes);
    const child = new Deno.Command(Deno.execPath(), {
      args: [
        "run",
        "-A",
        "main.ts",
        "--wasm",
        wasm,
        "--blk",
        `${disk},/srv`,
        "--hostfwd",
        "tcp:127.0.0.1:0-:80",
        "--",
        "-D",
        "-f",
        "/srv/lighttpd.conf",
      ],
      cwd: ROOT,
      stdout: "piped",
      stderr: "piped",
    }).spawn();
    const reader = child.stdout.pipeThrough(new TextDecoderStream()).getReader();
    let out = "";
    try {
      let m: RegExpExecArray | null = null;
      while (!(m = /serving (http:\/\/127\.0\.0\.1:\d+\/)/.exec(out))) {
        const r = await reader.read();
        if (r.done) break;
        out += r.value;
      }
      assert.ok(m, out);
      const base = m[1];
      for (const [p, data] of Object.entries(SITE)) {
        const r = await curl([new URL(p.slice(4), base).href]);
        assert.equal(r.code, 0, r.err);
        assert.deepEqual(r.out, data, p);
      }
      const index = await curl([base]);
      assert.deepEqual(index.out, SITE["www/index.html"]);
      const head = new TextDecoder().decode(
        (await curl(["-I", new URL("big.bin", base).href])).out,
      );
      assert.match(head, /^HTTP\/1\.1 200 OK\r\n/);
      assert.match(head, /\r\nContent-Length: 300000\r\n/);
      assert.match(head, /\r\nServer: lighttpd\/1\.4\.69\r\n/);
      const missing = await curl([
        "-o",
        "/dev/null",
        "-w",
        "%{http_code}",
        new URL("nothing", base).href,
      ]);
      assert.equal(new TextDecoder().decode(missing.out), "404");
      // Two URLs in one curl: the second reuses the connection ("Re-using existing").
      const two = await curl([
        "-v",
        new URL("hello.txt", base).href,
        new URL("docs/a.txt", base).href,
      ]);
      assert.equal(new TextDecoder().decode(two.out), "hello\na file in a directory\n");
      assert.match(two.err, /Re-using existing connection/);
      const bodies = await Promise.all(
        Array.from({ length: 50 }, async () => (await fetch(new URL("hello.txt", base))).text()),
      );
      assert.deepEqual(new Set(bodies), new Set(["hello\n"]));
    } finally {
      child.kill("SIGINT");
      for (let r = await reader.read(); !r.done; r = await reader.read()) out += r.value;
      await child.status;
      await child.stderr.cancel();
      await Deno.remove(disk);
    }
  },
});
