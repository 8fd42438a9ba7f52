/**
 * wasm_client_test.ts — `ctl --wasm PROG.wasm -- ARGS`: a WebAssembly program (built with
 * `deno task cc`'s compiler) runs as a remote client: its argv, its pid in the kernel (a
 * remote process's), its output and exit status; a file that is no module is one line.
 */
import { deepStrictEqual as assertEquals, match as assertMatch } from "node:assert/strict";
import { buildC } from "../wasm/support.ts";
import { ctl, sockPath, startServer } from "./harness.ts";

Deno.test(
  "sysproxy: a WebAssembly program runs as a remote client with its argv, pid and status",
  { sanitizeOps: false, sanitizeResources: false },
  async () => {
    const bytes = await buildC("hello");
    const dir = Deno.makeTempDirSync({ prefix: "rumpsim-sp-wasm-" });
    Deno.writeFileSync(`${dir}/hello.wasm`, bytes);
    Deno.writeTextFileSync(`${dir}/junk.wasm`, "not a module");
    const path = sockPath("wasm");
    const s = await startServer(`unix:${path}`);
    try {
      const r = await ctl([
        "--server",
        `unix:${path}`,
        "--wasm",
        `${dir}/hello.wasm`,
        "--",
        "a",
        "7",
      ]);
      assertEquals(r.stdout, "hello from wasm: argc=3 pid=1000 [hello] [a] [7] HOME=/\n");
      assertEquals(r.code, 7);
      const j = await ctl(["--server", `unix:${path}`, "--wasm", `${dir}/junk.wasm`]);
      assertEquals(j.code, 1);
      assertMatch(j.stderr, /^ctl: junk: not a WebAssembly module: [^\n]*\n$/);
    } finally {
      await s.stop();
      Deno.removeSync(dir, { recursive: true });
    }
  },
);
