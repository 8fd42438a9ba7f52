/**
 * syn_flood_tap.ts — how long a curl waits for the httpd image while Linux floods it with
 * SYNs from spoofed, silent addresses, through a tap device (the SYN cache and SYN cookies
 * of net/tcp/syncache.ts against the issue's 2,000-SYN flood that used to stop port 80 for
 * about two minutes).
 *
 *   sudo deno run -A bench/syn_flood_tap.ts [SYNs, default 20000]
 *
 * Needs root, /dev/net/tun, `ip`, `curl` and python3 (the flood is _syn_flood.ts: a raw
 * socket in a small Python helper, Deno has no raw sockets). The tap (rsflood0, 10.0.3.1/24
 * on the host, the guest 10.0.3.2) is made by the simulator and goes away with it. Spoofed sources are in
 * 198.18.0.0/15 (RFC 2544's benchmarking range): the guest has no route back, so nothing
 * ever answers its SYN-ACKs.
 */
import { synFlood } from "./_syn_flood.ts";

/** The tree to boot (RUMPSIM_ROOT: another checkout, e.g. a tree from before the SYN cache). */
const ROOT = Deno.env.get("RUMPSIM_ROOT") ?? new URL("..", import.meta.url).pathname;
const TAP = "rsflood0";
const GUEST = "10.0.3.2";
const N = Number(Deno.args[0] ?? 20000);

async function sh(cmd: string, ...args: string[]): Promise<{ ok: boolean; out: string }> {
  const o = await new Deno.Command(cmd, { args, stdout: "piped", stderr: "piped" }).output();
  return {
    ok: o.success,
    out: new TextDecoder().decode(o.stdout) + new TextDecoder().decode(o.stderr),
  };
}

/** Status and seconds curl took for `path` (default /hello.txt), and the bytes it got. */
async function curl(path = "/hello.txt"): Promise<string> {
  const r = await sh(
    "curl",
    "-s",
    "-m",
    "20",
    "-o",
    "/dev/null",
    "-w",
    "%{http_code} %{time_total} s %{size_download} bytes",
    `http://${GUEST}${path}`,
  );
  return r.out.trim();
}

// Prerequisites, each a one-line failure rather than a hang.
for (const [cmd, ...args] of [["ip", "-V"], ["curl", "--version"], ["python3", "--version"]]) {
  const ok = await sh(cmd, ...args).then((r) => r.ok, () => false);
  if (!ok) {
    console.error(`syn_flood_tap: needs ${cmd} (not found)`);
    Deno.exit(1);
  }
}
if (Deno.uid() !== 0) {
  console.error("syn_flood_tap: needs root (a tap device and a raw socket)");
  Deno.exit(1);
}

const sim = new Deno.Command(Deno.execPath(), {
  args: [
    "run",
    "--allow-read",
    "--allow-write",
    "--allow-ffi",
    "main.ts",
    "--netdev",
    `tap:${TAP}`,
    "--net",
    `${GUEST}/24`,
  ],
  cwd: ROOT,
  stdout: "null",
  stderr: "inherit",
}).spawn();
try {
  for (let i = 0; i < 200 && !(await sh("ip", "link", "show", TAP)).ok; i++) {
    await new Promise((r) => setTimeout(r, 50));
  }
  await sh("ip", "addr", "add", "10.0.3.1/24", "dev", TAP);
  await sh("ip", "link", "set", TAP, "up");
  let before = "";
  for (let i = 0; i < 100 && !before.startsWith("200"); i++) before = await curl();
  if (!before.startsWith("200")) throw new Error(`the guest never answered: ${before}`);
  console.log(`curl before the flood: ${before}`);
  const t0 = performance.now();
  await synFlood(N, GUEST);
  console.log(`${N} spoofed SYNs sent in ${(performance.now() - t0).toFixed(0)} ms`);
  // During the flood: a second flood runs while curl asks.
  const again = synFlood(N, GUEST);
  const during = await curl();
  const big = await curl("/big.bin"); // many segments: window scaling survived the cookie
  await again;
  const after = await curl();
  console.log(`curl while a second flood of ${N} runs: ${during}; /big.bin: ${big}`);
  console.log(`curl after both floods: ${after}`);
} finally {
  sim.kill("SIGINT");
  await sim.status;
}
