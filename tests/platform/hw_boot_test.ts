import assert from "node:assert/strict";
import { createMachine } from "../../arch/machine.ts";
import { writeMultibootInfo } from "../../arch/multiboot.ts";
import { image as hello } from "../../images/hello.ts";
import type { Image } from "../../kernel/syscall/image.ts";
import { boot } from "../../rumprun/boot.ts";
import { runImage } from "../../rumprun/run.ts";
import type { App } from "../../kernel/syscall/api.ts";

async function bootHello(opts: { seed?: number; memBytes?: number; argv?: string[] } = {}) {
  let out = "";
  const dec = new TextDecoder();
  const r = await runImage(hello, { ...opts, console: (b) => (out += dec.decode(b)) });
  return { ...r, out: out.replaceAll("\r\n", "\n") };
}

Deno.test("boot: hello prints a NetBSD-shaped boot log, runs and exits with its status", async () => {
  const r = await bootHello({ seed: 42 });
  assert.equal(r.status, 0);
  const lines = r.out.split("\n");
  assert.equal(lines[0], "rumpsim: seed 42, virtual time");
  for (
    const want of [
      "total memory = 64 MB",
      "pic0 at mainbus0: i8259A pair, master vector 32, slave vector 40",
      "pit0 at mainbus0: i8254 at 1193182 Hz, one-shot idle timer on irq 0",
      "rtc0 at mainbus0: mc146818 RTC, 2024-01-01T00:00:00Z",
      "pci0 at mainbus0 bus 0: configuration mode 1",
      "vendor 0x8086 product 0x1237 (host bridge, revision 0x02) at pci0 dev 0 function 0 not configured",
      "vendor 0x8086 product 0x7000 (ISA bridge, revision 0x00) at pci0 dev 1 function 0 not configured",
      "com0 at isa0 port 0x3f8-0x3ff irq 4: ns16550a, working fifo",
      "rump kernel: 2 components initialised: rumpdev_pci rumpdev_com",
      "Hello, world!",
      "Slept 1.000000016 s.",
    ]
  ) assert.ok(lines.includes(want), `missing line: ${want}\n--- got:\n${r.out}`);
});

Deno.test("boot: the same seed boots to byte-identical console output", async () => {
  const a = await bootHello({ seed: 9 });
  const b = await bootHello({ seed: 9 });
  assert.equal(a.out, b.out);
  const c = await bootHello({ seed: 10 });
  assert.notEqual(a.out, c.out);
});

Deno.test("boot: memory sizes are read back from the multiboot block", async () => {
  const r = await bootHello({ memBytes: 32 * 1024 * 1024 });
  assert.match(r.out, /^total memory = 32 MB$/m);
  assert.match(r.out, /^mem: lower 639 KiB, upper 31744 KiB, 3 map entries$/m);
});

Deno.test("boot: arguments after -- reach the first app and its exit status is the run's", async () => {
  const r = await bootHello({ argv: ["a", "b", "--exit", "3"] });
  assert.match(r.out, /^Hello, world! a b$/m);
  assert.equal(r.status, 3);
});

function imageOf(main: App["main"]): Image {
  return {
    name: "t",
    description: "t",
    components: [],
    apps: [{ app: { name: "t", main }, argv: [] }],
    config: {},
  };
}

Deno.test("boot: a thread that throws is a kernel panic: printed, halted, status 255", async () => {
  let out = "";
  const r = await runImage(
    imageOf(function* () {
      return 0;
    }),
    {
      console: (b) => (out += new TextDecoder().decode(b)),
      onBoot: (b) => {
        b.kernel.threadCreate("broken", function* () {
          throw new TypeError("boom");
        });
      },
    },
  );
  assert.equal(r.status, 255);
  assert.match(out, /panic: thread broken: TypeError: boom/);
});

Deno.test("boot: when every thread waits forever the run ends with a deadlock report", async () => {
  let out = "";
  const r = await runImage(
    imageOf(function* (sys) {
      const buf = new Uint8Array(1);
      yield* sys.read(0, buf); // console input never comes
      return 0;
    }),
    { console: (b) => (out += new TextDecoder().decode(b)) },
  );
  assert.equal(r.result.kind, "deadlock");
  assert.equal(r.status, 1);
  assert.match(out, /rumpsim: deadlock: every thread waits and nothing can wake one:/);
  assert.match(out, /^ {2}t waiting on /m);
});

Deno.test("boot: a config module that is not JSON stops the boot with a clear error", () => {
  const m = createMachine({ memBytes: 8 * 1024 * 1024 });
  const mb = writeMultibootInfo(m.ram, {
    cmdline: "x",
    modules: [{ data: new TextEncoder().encode("{not json"), string: "config.json" }],
  });
  assert.throws(
    () => boot(m, mb.magic, mb.infoAddr, hello, { seed: 1 }),
    /config module is not valid JSON/,
  );
  assert.throws(() => boot(m, 0x1234, mb.infoAddr, hello, { seed: 1 }), /bad multiboot magic/);
});

Deno.test("boot: a config with a bad field names it", () => {
  const m = createMachine({ memBytes: 8 * 1024 * 1024 });
  const mb = writeMultibootInfo(m.ram, {
    cmdline: "x",
    modules: [{
      data: new TextEncoder().encode(
        JSON.stringify({
          net: [{ if: "vioif0", method: "static", addr: "10.0.0.300", mask: "255.0.0.0" }],
        }),
      ),
      string: "config.json",
    }],
  });
  assert.throws(() => boot(m, mb.magic, mb.infoAddr, hello, { seed: 1 }), /config\.net\[0\]\.addr/);
});
