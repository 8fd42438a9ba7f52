import assert from "node:assert/strict";
import { rumpdev_com } from "../../dev/com.ts";
import { rumpdev_pci } from "../../dev/pci_component.ts";
import type { Image } from "../../kernel/syscall/image.ts";
import { runImage } from "../../rumprun/run.ts";
import { hostRealtime } from "../../host/realtime.ts";
import { feedConsole } from "../../cli/console.ts";
import type { Sys } from "../../kernel/syscall/api.ts";

/** An app that reads one line from stdin and writes it back upper-cased. */
const shout = {
  name: "shout",
  main: function* (sys: Sys) {
    const buf = new Uint8Array(64);
    let line = "";
    while (!line.endsWith("\n")) {
      const n = yield* sys.read(0, buf);
      if (n === 0) break;
      line += new TextDecoder().decode(buf.subarray(0, n));
    }
    yield* sys.write(1, new TextEncoder().encode(line.toUpperCase()));
    return 0;
  },
};

Deno.test("com: bytes arriving on COM1 reach an app's fd 0 through IRQ 4 and the console", async () => {
  const image: Image = {
    name: "t",
    description: "t",
    components: [rumpdev_pci, rumpdev_com],
    apps: [{ app: shout, argv: [] }],
    config: {},
  };
  let out = "";
  const r = await runImage(image, {
    console: (b) => (out += new TextDecoder().decode(b)),
    onBoot: (b) => {
      // Someone types at the serial line 5 ms into the run, in two bursts.
      b.machine.sched.events.at(5e6, () => b.machine.uart.feed(new TextEncoder().encode("hel")));
      b.machine.sched.events.at(9e6, () => b.machine.uart.feed(new TextEncoder().encode("lo\n")));
    },
  });
  assert.equal(r.status, 0, out);
  assert.match(out, /com0 at isa0 port 0x3f8-0x3ff irq 4: ns16550a, working fifo/);
  assert.match(out, /^HELLO\r?$/m);
});

Deno.test("com: in realtime mode, host input fed to COM1 reaches the app", async () => {
  const image: Image = {
    name: "t",
    description: "t",
    components: [rumpdev_pci, rumpdev_com],
    apps: [{ app: shout, argv: [] }],
    config: {},
  };
  // A host stream standing in for the terminal: one line, after a short while.
  const input = new ReadableStream<Uint8Array>({
    start(c) {
      setTimeout(() => {
        c.enqueue(new TextEncoder().encode("typed\n"));
        c.close();
      }, 20);
    },
  });
  let out = "";
  const r = await runImage(image, {
    mode: "realtime",
    host: hostRealtime(),
    console: (b) => (out += new TextDecoder().decode(b)),
    onBoot: (b) => void feedConsole(b.machine, input),
  });
  assert.equal(r.status, 0, out);
  assert.match(out, /^TYPED\r?$/m);
});

Deno.test("com: ^D (VEOF) on the line ends the console's input: a read returns 0 after the bytes before it", async () => {
  const image: Image = {
    name: "t",
    description: "t",
    components: [rumpdev_pci, rumpdev_com],
    apps: [{ app: shout, argv: [] }],
    config: {},
  };
  let out = "";
  const r = await runImage(image, {
    console: (b) => (out += new TextDecoder().decode(b)),
    onBoot: (b) => {
      // No newline: only the end of input lets shout's loop finish.
      b.machine.sched.events.at(
        5e6,
        () => b.machine.uart.feed(new TextEncoder().encode("no nl\x04")),
      );
    },
  });
  assert.equal(r.status, 0, out);
  assert.equal(r.result.kind !== "deadlock", true, out);
  assert.match(out, /NO NLrumpsim: apps exited with status 0/);
});
