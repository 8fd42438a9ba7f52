/**
 * loader_test.ts — the loader's refusals and the fate of a failing program: an unknown
 * import, a module not built for rumpsim and bytes that are not wasm are refused at load
 * with one line; a trap ends only its process with status 128+11 and a console line while
 * the kernel goes on; a program past its memory limit gets ENOMEM from malloc; two
 * programs blocking in accept/connect/read run side by side with a TypeScript app.
 */
import assert from "node:assert/strict";
import { toolchainMissing } from "../../cli/cc.ts";
import { type App, type Sys, type Wait } from "../../kernel/syscall/api.ts";
import { loadWasm, TRAP_STATUS, trapFrames, wasmApp, WasmLoadError } from "../../wasm/loader.ts";
import { runApps } from "../apps/app_harness.ts";
import { bootPosix, buildC, programC, requireToolchain, results } from "./support.ts";

Deno.test("a module importing an unknown function is refused at load, naming the import", async () => {
  const bytes = await buildC("unknown");
  assert.throws(() => loadWasm("unknown", bytes), (e: Error) => {
    assert.ok(e instanceof WasmLoadError);
    assert.equal(e.message, "unknown: unknown import env.frobnicate (function)");
    return true;
  });
});

Deno.test("a module built without deno task cc (no Asyncify) is refused at load", async () => {
  requireToolchain();
  const dir = await Deno.makeTempDir();
  try {
    const src = `${dir}/plain.c`;
    Deno.writeTextFileSync(src, '#include <stdio.h>\nint main(void) { puts("hi"); return 0; }\n');
    const out = `${dir}/plain.wasm`;
    const r = await new Deno.Command("clang", {
      args: ["--target=wasm32-wasi", "-O2", src, "-o", out],
    }).output();
    assert.equal(r.code, 0, new TextDecoder().decode(r.stderr));
    assert.throws(
      () => loadWasm("plain", Deno.readFileSync(out)),
      /^WasmLoadError: plain: not built for rumpsim \(no asyncify_start_unwind export\): build it with deno task cc$/,
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("bytes that are not WebAssembly are refused with one line", () => {
  assert.throws(
    () => loadWasm("junk", new TextEncoder().encode("#!/bin/sh\n")),
    (e: Error) =>
      e instanceof WasmLoadError && /^junk: not a WebAssembly module: /.test(e.message) &&
      !e.message.includes("\n"),
  );
});

Deno.test("a trap ends only its process, with 128+11 and a console line; the kernel runs the next program", async () => {
  const trap = wasmApp(await programC("trap"));
  const hello = wasmApp(await programC("hello"));
  const run = runApps([trap, hello], function* (c) {
    const got: number[] = [];
    for (const kind of ["unreachable", "oob", "stack"]) {
      got.push(yield* c.run(["trap", kind]));
    }
    got.push(yield* c.run(["hello", "7"]));
    return got;
  });
  assert.deepEqual(run.value, [TRAP_STATUS, TRAP_STATUS, TRAP_STATUS, 7], run.console);
  assert.equal(TRAP_STATUS, 139);
  assert.match(run.console, /trap: trap: unreachable\r?\n/);
  assert.match(run.console, /trap: trap: memory access out of bounds\r?\n/);
  assert.match(run.console, /hello from wasm: argc=2/);
});

Deno.test("past its memory limit a program gets NULL and ENOMEM from malloc, not a host crash", async () => {
  const r = await bootPosix(await programC("memory", ["-Wl,--max-memory=4194304"]));
  const lines = results(r.console);
  assert.match(lines[0] ?? r.console, /^ok \d+ blocks of 256 KiB, then ENOMEM$/);
  assert.equal(lines[1], "ok allocated again after free");
  assert.equal(r.status, 0);
});

Deno.test("two programs block in accept, connect and read on their own fibers while a TypeScript app runs", async () => {
  const pair = wasmApp(await programC("pair"));
  const enc = new TextEncoder();
  const ticks: App = {
    name: "ticks",
    *main(sys: Sys): Wait<number> {
      for (let i = 0; i < 3; i++) {
        yield* sys.write(1, enc.encode(`tick ${i}\n`));
        yield* sys.nanosleep({ sec: 0, nsec: 1_000_000 });
      }
      return 0;
    },
  };
  const run = runApps([pair, ticks], function* (c) {
    const server = c.start(["pair", "server", "7100"]);
    const ticker = c.start(["ticks"]);
    const client = c.start(["pair", "client", "7100", "3"]);
    return [
      yield* c.runner.wait(client),
      yield* c.runner.wait(server),
      yield* c.runner.wait(ticker),
    ];
  });
  assert.deepEqual(run.value, [0, 0, 0], run.console);
  const lines = run.console.replaceAll("\r\n", "\n").split("\n")
    .filter((l) => /^(server|client|tick)/.test(l));
  // The server waits in accept before the ticker and the client have run at all.
  assert.equal(lines[0], "server: listening on 7100");
  assert.ok(
    lines.indexOf("tick 0") > 0 && lines.indexOf("tick 0") < lines.indexOf("server: accepted"),
  );
  assert.deepEqual(lines.filter((l) => l.startsWith("client: L") || l.startsWith("client: l")), [
    "client: LINE 0",
    "client: LINE 1",
    "client: LINE 2",
  ]);
  assert.ok(lines.includes("server: client closed"));
  assert.deepEqual(lines.filter((l) => l.startsWith("tick")), ["tick 0", "tick 1", "tick 2"]);
});

Deno.test("the toolchain check names the packages when a tool is missing", () => {
  const path = Deno.env.get("PATH");
  try {
    Deno.env.set("PATH", "/nonexistent");
    assert.match(
      toolchainMissing() ?? "",
      /clang, wasm-opt not found: apt-get install clang lld wasi-libc/,
    );
  } finally {
    Deno.env.set("PATH", path ?? "");
  }
});

Deno.test("a trap line names the innermost functions when the module has a name section", () => {
  const e = new WebAssembly.RuntimeError("unreachable");
  Object.defineProperty(e, "stack", {
    value: "RuntimeError: unreachable\n" +
      "    at abort (wasm://wasm/0012abcd:wasm-function[3]:0x10)\n" +
      "    at <anonymous> (wasm://wasm/0012abcd:wasm-function[4]:0x20)\n" +
      "    at main_init_once (wasm://wasm/0012abcd:wasm-function[8]:0x30)\n" +
      "    at main (wasm://wasm/0012abcd:wasm-function[9]:0x40)\n" +
      "    at main (wasm://wasm/0012abcd:wasm-function[9]:0x40)\n" +
      "    at file:///x.ts:1:1",
  });
  assert.equal(trapFrames(e), "abort < main_init_once < main");
  Object.defineProperty(e, "stack", {
    value: "RuntimeError: unreachable\n    at file:///x.ts:1:1",
  });
  assert.equal(trapFrames(e), "");
});
