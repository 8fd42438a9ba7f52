/**
 * boot.ts — the hw platform's boot: from the multiboot handoff to the hypercalls a rump
 * kernel is made on, one commented call per step (rumprun's platform/hw/arch/x86/boot.c,
 * xv6's main.c). rumprun/boot.ts then makes the kernel on them (librumprun_base's part).
 *
 * Rules: boot reads what the loader left in RAM (the multiboot info block and its
 * modules), programs the hardware through port I/O only, and prints what it finds; the
 * lines it prints are kept (`early`) to become the start of the kernel's message buffer,
 * so /kern/msgbuf and dmesg show the whole boot. The platform knows no kernel: the config
 * module is parsed by the caller's `readConfig`, and the banner is the caller's line.
 */
import type { Machine } from "../../arch/machine.ts";
import { hwIdle } from "../../arch/machine.ts";
import { MULTIBOOT_BOOTLOADER_MAGIC, readMultibootInfo } from "../../arch/multiboot.ts";
import { E820_USABLE } from "../../arch/ram.ts";
import { Prng } from "../../sched/mod.ts";
import type { Platform } from "../../kernel/hypercall/mod.ts";
import { ThreadExit } from "../fiber_rumpuser.ts";
import { RegionAllocator } from "../region_alloc.ts";
import { HwIntr, IRQ_VECTOR_BASE } from "./intr.ts";
import { HwPci } from "./pci.ts";
import { HwRumpuser } from "./rumpuser.ts";

export interface HwBootOptions<C extends { hostname?: string }> {
  seed: number;
  verbose?: boolean;
  ncpu?: number;
  /** Prefix for names of this machine's threads (two machines share one scheduler). */
  name?: string;
  /** The image's name: the machine's name in the timeline, and its default hostname. */
  imageName: string;
  /** The kernel's banner line, printed once the handoff is read. */
  banner: string;
  /** Parses the config among the loader's modules (throws with a one-line reason). */
  readConfig(modules: readonly { string: string; data: Uint8Array }[]): C;
}

/** What the platform hands the kernel's maker. */
export interface HwBooted<C> {
  machine: Machine;
  platform: Platform;
  user: HwRumpuser;
  intr: HwIntr;
  config: C;
  /** Every line printed so far: the start of the kernel's message buffer. */
  early: string;
  /** The loader's modules (config, root tree), by name. */
  modules: { name: string; data: Uint8Array }[];
}

/** Brings the machine up to the hypercalls a rump kernel is made on. */
export function hwBoot<C extends { hostname?: string }>(
  m: Machine,
  magic: number,
  mbiAddr: number,
  opts: HwBootOptions<C>,
): HwBooted<C> {
  const early: string[] = [];
  const say = (s: string) => {
    early.push(s);
    for (const b of new TextEncoder().encode(s.replaceAll("\n", "\r\n"))) uartPut(m, b);
  };

  // 1. Console: COM1 at 115200 baud, 8N1, FIFOs on; the first line names the seed.
  consInit(m);
  say(`rumpsim: seed ${opts.seed}, ${m.mode} time\n`);

  // 2. The loader's handoff: check the magic, read the multiboot info back from RAM.
  if (magic !== MULTIBOOT_BOOTLOADER_MAGIC) {
    throw new Error(`boot: bad multiboot magic 0x${magic.toString(16)}`);
  }
  const mbi = readMultibootInfo(m.ram, mbiAddr);
  const config = opts.readConfig(mbi.modules);
  say(`${opts.banner}\n`);
  if (mbi.cmdline) say(`boot: cmdline "${mbi.cmdline}"\n`);

  // 3. Memory: sizes from the info block; the usable map above the loaded modules is for malloc.
  const lowKiB = mbi.memLowerKiB ?? 0, upKiB = mbi.memUpperKiB ?? 0;
  const total = mbi.mmap.reduce((n, e) => n + e.length, 0);
  const reservedEnd = Math.max(0x100000, ...mbi.modules.map((x) => Math.ceil(x.end / 4096) * 4096));
  const regions = mbi.mmap.filter((e) => e.type === E820_USABLE).map((e) => {
    const base = Math.max(e.base, e.base >= 0x100000 ? reservedEnd : 0x10000);
    return { base, len: e.base + e.length - base };
  }).filter((r) => r.len > 0);
  const alloc = new RegionAllocator(regions);
  say(`total memory = ${fmtMiB(total)}\n`);
  say(`avail memory = ${fmtMiB(alloc.available)}\n`);
  say(`mem: lower ${lowKiB} KiB, upper ${upKiB} KiB, ${mbi.mmap.length} map entries\n`);

  // 4. CPU and IDT: exceptions have no gates, so one is fatal and named; IRQs get gates.
  const sched = m.sched;
  // A traced run: this machine is a process of the timeline, its threads spawned from here on.
  const tracer = sched.tracer;
  const pid = tracer ? tracer.beginProcess(opts.name?.replace(/\.$/, "") || opts.imageName) : 0;
  const intr = new HwIntr(sched, m.cpu, m.bus, opts.name ?? "");
  if (tracer) intr.traceOn(tracer, pid, m.pic);
  intr.installGates();
  say(`cpu0 at mainbus0: rumpsim virtual x86 CPU, IDT of 256 gates\n`);

  // 5. PIC: the ICW1-ICW4 sequence, master at vector 32, slave at 40, all masked but the cascade.
  initPic(m);
  say(
    `pic0 at mainbus0: i8259A pair, master vector ${IRQ_VECTOR_BASE}, slave vector ${
      IRQ_VECTOR_BASE + 8
    }\n`,
  );

  // 6. PIT: channel 0 is the one-shot the idle loop arms (rumprun's cpu_block), so unmask IRQ 0.
  unmaskIrq(m, 0);
  say(`pit0 at mainbus0: i8254 at 1193182 Hz, one-shot idle timer on irq 0\n`);

  // 7. RTC: the wall clock at boot, read from CMOS.
  const wallMs = readRtc(m);
  say(`rtc0 at mainbus0: mc146818 RTC, ${new Date(wallMs).toISOString().replace(".000", "")}\n`);

  // 8. Hypercalls: the hw rumpuser, the PCI hypercalls, the seeded randomness.
  const prng = new Prng(opts.seed);
  const user = new HwRumpuser(sched, prng.fork("getrandom"), m.ram, m.bus, alloc, {
    ncpu: opts.ncpu ?? 1,
    hostname: config.hostname ?? opts.imageName,
    memlimit: null,
    verbose: opts.verbose ?? false,
  });
  user.setWallBase(wallMs * 1e6 - sched.clock.now());
  user.threadPrefix = opts.name ?? "";
  const pci = new HwPci(m.bus, intr, alloc);
  intr.onEstablish = (irq) => unmaskIrq(m, irq);
  const platform: Platform = { name: "hw", user, pci, virtif: null };

  // 9. Scheduler: idle arms the PIT and halts; a failing thread is a panic, not a JS trace.
  sched.idle = hwIdle(m);
  sched.onError = (f, err) => {
    // A thread exit, or the unwinding after exit() (a panic calls it first): nothing to say.
    if (err instanceof ThreadExit || user.exited) return;
    const msg = err instanceof Error ? (err.stack ?? err.message) : String(err);
    user.dprintf(`panic: thread ${f.name}: ${msg}\n`);
    user.exitStatus ??= -1;
    m.halt("panic");
  };

  return {
    machine: m,
    platform,
    user,
    intr,
    config,
    early: early.join(""),
    modules: mbi.modules.map((x) => ({ name: x.string, data: x.data })),
  };
}

function fmtMiB(bytes: number): string {
  return `${Math.floor(bytes / 1024 / 1024)} MB`;
}

const COM1 = 0x3f8;

function consInit(m: Machine): void {
  const out = (r: number, v: number) => m.bus.outb(COM1 + r, v);
  out(1, 0x00); // IER: no interrupts
  out(3, 0x80); // LCR: DLAB on
  out(0, 0x01); // divisor 1: 115200 baud
  out(1, 0x00);
  out(3, 0x03); // LCR: 8 bits, no parity, 1 stop
  out(2, 0xc7); // FCR: enable and clear FIFOs
  out(4, 0x0b); // MCR: DTR, RTS, OUT2
}

function uartPut(m: Machine, b: number): void {
  for (let i = 0; i < 1000 && !(m.bus.inb(COM1 + 5) & 0x20); i++);
  m.bus.outb(COM1, b);
}

function initPic(m: Machine): void {
  const o = (p: number, v: number) => m.bus.outb(p, v);
  o(0x20, 0x11); // ICW1: edge, cascade, ICW4 follows
  o(0xa0, 0x11);
  o(0x21, IRQ_VECTOR_BASE); // ICW2: vector offsets
  o(0xa1, IRQ_VECTOR_BASE + 8);
  o(0x21, 0x04); // ICW3: slave on IRQ 2
  o(0xa1, 0x02); // ICW3: slave identity 2
  o(0x21, 0x01); // ICW4: 8086 mode
  o(0xa1, 0x01);
  o(0x21, 0xfb); // OCW1: mask all but the cascade
  o(0xa1, 0xff);
}

/** Clears `irq`'s bit in its PIC's mask register (OCW1). */
export function unmaskIrq(m: Machine, irq: number): void {
  const port = irq < 8 ? 0x21 : 0xa1;
  m.bus.outb(port, m.bus.inb(port) & ~(1 << (irq & 7)) & 0xff);
}

function readRtc(m: Machine): number {
  const rd = (r: number) => {
    m.bus.outb(0x70, r);
    return m.bus.inb(0x71);
  };
  for (let i = 0; i < 10000 && rd(0x0a) & 0x80; i++); // wait while an update is in progress
  const binary = (rd(0x0b) & 0x04) !== 0;
  const dec = (v: number) => (binary ? v : (v >> 4) * 10 + (v & 0x0f));
  const sec = dec(rd(0x00)), min = dec(rd(0x02)), hour = dec(rd(0x04) & 0x7f);
  const day = dec(rd(0x07)), mon = dec(rd(0x08)), yr = dec(rd(0x09)), cent = dec(rd(0x32));
  return Date.UTC((cent || 20) * 100 + yr, mon - 1, day, hour, min, sec);
}
