/**
 * support.ts (test support for tests/wasm) — builds the C test programs (tests/wasm/c/)
 * with `deno task cc`'s compiler and boots them in the POSIX image in virtual time.
 *
 * Rules: a missing toolchain is a failure naming the Debian packages, never a silent pass
 * (.ci/run installs them). Builds are cached per test process in a temporary directory.
 */
import { cc, PACKAGES, toolchainMissing } from "../../cli/cc.ts";
import { posixImage } from "../../images/posix.ts";
import { runImage } from "../../rumprun/run.ts";
import { loadWasm, type WasmProgram } from "../../wasm/loader.ts";
import { attachNic } from "../../arch/netdev/chain.ts";
import { USER_NET, UserNetdev } from "../../slirp/plan.ts";
import { createGateway } from "../../slirp/gateway.ts";
import { HostWork } from "../../sched/host_work.ts";

const C_DIR = new URL("./c/", import.meta.url);
const cache = new Map<string, Uint8Array>();
let dir: string | null = null;

/** Throws when clang, wasm-opt or wasi-libc is missing, naming the packages. */
export function requireToolchain(): void {
  const m = toolchainMissing();
  if (m) throw new Error(`the C toolchain is missing (${m}); .ci/run installs ${PACKAGES}`);
}

/** The bytes of tests/wasm/c/NAME.c built with `deno task cc` (and `extra` flags). */
export async function buildC(name: string, extra: string[] = []): Promise<Uint8Array> {
  requireToolchain();
  const key = [name, ...extra].join(" ");
  const hit = cache.get(key);
  if (hit) return hit;
  dir ??= await Deno.makeTempDir({ prefix: "rumpsim-wasm-test-" });
  const out = `${dir}/${name}-${cache.size}.wasm`;
  const code = await cc([
    "-O2",
    "-Wall",
    "-Werror",
    ...extra,
    new URL(`${name}.c`, C_DIR).pathname,
    "-o",
    out,
  ]);
  if (code !== 0) throw new Error(`cc of ${name}.c failed with status ${code}`);
  const bytes = await Deno.readFile(out);
  cache.set(key, bytes);
  return bytes;
}

/** buildC, loaded (named NAME). */
export async function programC(name: string, extra: string[] = []): Promise<WasmProgram> {
  return loadWasm(name, await buildC(name, extra));
}

/** Boots the POSIX image running `prog` with `args`; its status and console text (LF). */
export async function bootPosix(
  prog: WasmProgram,
  args: string[] = [],
  seed = 7,
): Promise<{ status: number; console: string }> {
  let out = "";
  const dec = new TextDecoder();
  const r = await runImage(posixImage(prog, { args }), {
    seed,
    console: (b) => (out += dec.decode(b, { stream: true })),
  });
  return { status: r.status, console: out.replaceAll("\r\n", "\n") };
}

/** The lines of `text` that start with "ok " or "FAIL". */
export function results(text: string): string[] {
  return text.split("\n").filter((l) => l.startsWith("ok ") || l.startsWith("FAIL"));
}

/**
 * Boots the POSIX image with a NIC on the user network's plan and the gateway (its DNS at
 * 10.0.2.3 answering `hosts`) on the other end of the cable, in virtual time: the gateway
 * has no outbound NAT and no hostfwd, so nothing reaches the host and a run is
 * deterministic.
 */
export async function bootPosixNet(
  prog: WasmProgram,
  args: string[] = [],
  hosts: Record<string, string> = {},
  seed = 7,
): Promise<{ status: number; console: string; dns: { answered: number; dropped: number } }> {
  let out = "";
  const dec = new TextDecoder();
  let dns = { answered: 0, dropped: 0 };
  const r = await runImage(posixImage(prog, { args, network: true, hosts }), {
    seed,
    console: (b) => (out += dec.decode(b, { stream: true })),
    onBoot: (b) => {
      const m = b.machine;
      const netdev = new UserNetdev(m.sched);
      attachNic(m, { medium: netdev.guest, label: "user" });
      const noHost = { kick() {}, openSource() {}, closeSource() {} };
      const gw = createGateway({
        sched: m.sched,
        host: new HostWork(noHost),
        port: netdev.gateway,
        plan: USER_NET,
        nat: false,
        hosts: { ...b.config.hosts },
        seed,
      });
      dns = gw.dns;
    },
  });
  return { status: r.status, console: out.replaceAll("\r\n", "\n"), dns };
}
