/**
 * wasm_httpd.ts — a C web server compiled to WebAssembly against the TypeScript httpd,
 * both in rumpsim through hostfwd (user netdev, realtime), in one run on one machine:
 * requests/s of a small file over keep-alive connections from a client in this process.
 * The C server is tests/wasm/c/minihttpd.c (poll, non-blocking sockets), and lighttpd
 * 1.4.69 when tests/wasm/lighttpd_test.ts has left its build in the temporary directory.
 *
 *   deno task bench wasm_httpd, or deno run -A bench/wasm_httpd.ts [seconds, default 5]
 *   (needs the C toolchain: see cli/cc.ts)
 */
import { cc } from "../cli/cc.ts";

const ROOT = new URL("..", import.meta.url).pathname;
const SECS = Number(Deno.args[0] ?? 5);
const CONNS = [1, 10];

interface Server {
  name: string;
  args: string[];
  path: string;
}

async function boot(s: Server): Promise<{ base: string; stop: () => Promise<void> }> {
  const child = new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", "main.ts", ...s.args],
    cwd: ROOT,
    stdout: "piped",
    stderr: "null",
  }).spawn();
  const reader = child.stdout.pipeThrough(new TextDecoderStream()).getReader();
  let out = "";
  let m: RegExpExecArray | null = null;
  while (!(m = /serving (http:\/\/127\.0\.0\.1:\d+\/)/.exec(out))) {
    const r = await reader.read();
    if (r.done) throw new Error(`${s.name} did not start:\n${out}`);
    out += r.value;
  }
  (async () => {
    for (let r = await reader.read(); !r.done; r = await reader.read()) { /* drain */ }
  })();
  return {
    base: m[1],
    stop: async () => {
      child.kill("SIGINT");
      await child.status;
    },
  };
}

/** Requests/s with `conns` keep-alive clients fetching `url` for SECS seconds. */
async function load(url: string, conns: number): Promise<number> {
  const end = performance.now() + SECS * 1000;
  let n = 0;
  await Promise.all(Array.from({ length: conns }, async () => {
    const client = Deno.createHttpClient({ poolMaxIdlePerHost: 1 });
    try {
      while (performance.now() < end) {
        const r = await fetch(url, { client });
        await r.arrayBuffer();
        if (r.status !== 200) throw new Error(`${url}: ${r.status}`);
        n++;
      }
    } finally {
      client.close();
    }
  }));
  return n / SECS;
}

const dir = await Deno.makeTempDir();
const mini = `${dir}/minihttpd.wasm`;
if (await cc(["-O2", `${ROOT}tests/wasm/c/minihttpd.c`, "-o", mini]) !== 0) Deno.exit(1);
const servers: Server[] = [
  {
    name: "TypeScript httpd (default image)",
    args: ["--hostfwd", "tcp:127.0.0.1:0-:80"],
    path: "hello.txt",
  },
  {
    name: "minihttpd.c as wasm",
    args: ["--wasm", mini, "--hostfwd", "tcp:127.0.0.1:0-:80", "--", "80", "/etc"],
    path: "hosts",
  },
];
const tmp = Deno.env.get("TMPDIR") ?? "/tmp";
const lighttpd = [...Deno.readDirSync(tmp)].find((e) => /^rumpsim-lighttpd-.*\.wasm$/.test(e.name));
if (lighttpd) {
  const conf = `${dir}/site`;
  await Deno.mkdir(`${conf}/www`, { recursive: true });
  await Deno.writeTextFile(`${conf}/www/hello.txt`, "hello from rumpsim\n");
  await Deno.writeTextFile(
    `${conf}/lighttpd.conf`,
    'server.document-root = "/srv/www"\nserver.port = 80\n' +
      'server.modules = ("mod_staticfile")\nmimetype.assign = (".txt" => "text/plain")\n',
  );
  const img = `${dir}/site.img`;
  const r = await new Deno.Command("mke2fs", {
    args: ["-q", "-t", "ext2", "-d", conf, img, "1024"],
    stdout: "null",
    stderr: "null",
  }).output();
  if (r.success) {
    servers.push({
      name: "lighttpd 1.4.69 as wasm",
      args: [
        "--wasm",
        `${tmp}/${lighttpd.name}`,
        "--blk",
        `${img},/srv`,
        "--hostfwd",
        "tcp:127.0.0.1:0-:80",
        "--",
        "-D",
        "-f",
        "/srv/lighttpd.conf",
      ],
      path: "hello.txt",
    });
  }
}
console.log(`wasm_httpd: ${SECS} s per run, keep-alive, requests/s`);
for (const s of servers) {
  const b = await boot(s);
  try {
    const url = new URL(s.path, b.base).href;
    await load(url, 1); // warm up the JIT and the connection paths
    const figures = [];
    for (const c of CONNS) figures.push(`${c} conn: ${(await load(url, c)).toFixed(0)}`);
    console.log(`${s.name.padEnd(34)} ${figures.join("   ")}`);
  } finally {
    await b.stop();
  }
}
await Deno.remove(dir, { recursive: true });
