/**
 * intr.ts — interrupts on the hw platform, as rumprun's platform/hw/intr.c does them.
 *
 * Rules: the IDT handler for an IRQ never runs driver code: it marks the IRQ pending and
 * wakes the interrupt thread. That thread takes a virtual CPU (rump_schedule), runs every
 * handler registered for each pending IRQ, gives the CPU back, then sends a specific EOI
 * to the PIC(s). The clock (IRQ 0) only ends a HLT: its handler acknowledges it at once.
 *
 * Tracing (`--trace`, sched/trace.ts): with a tracer set, an IRQ line's rising edge
 * ("IRQ n raised", probed on the PIC) and the IDT gate ("IRQ n delivered") are marks on
 * the machine's hardware track; the interrupt thread's run of the handlers is a span
 * ("IRQ n handlers") and its EOI a mark on the thread's own track.
 */
import type { Cpu } from "../../arch/cpu.ts";
import type { PicPair } from "../../arch/pic.ts";
import type { PortBus } from "../../arch/portio.ts";
import type { Fiber, Scheduler, Tracer } from "../../sched/mod.ts";
import type { IrqHandler } from "../../kernel/hypercall/pci.ts";
import type { RumpHyperup } from "../../kernel/hypercall/rumpuser.ts";
import type { FiberData } from "../fiber_rumpuser.ts";

export const IRQ_VECTOR_BASE = 32; // master PIC vectors 32-39, slave 40-47 (rumprun's layout)
const PIC1_CMD = 0x20;
const PIC2_CMD = 0xa0;
const OCW2_SPECIFIC_EOI = 0x60;

export class HwIntr {
  #pending = 0;
  #handlers: IrqHandler[][] = Array.from({ length: 16 }, () => []);
  #fiber: Fiber | null = null;
  /** Handler runs per IRQ, and interrupts that found no handler with work. */
  readonly counts: number[] = new Array<number>(16).fill(0);
  stray = 0;
  /** Called when a handler is first established on an IRQ (the platform unmasks it). */
  onEstablish: (irq: number) => void = () => {};
  /** The tracer and this machine's pid in it, when the run is traced (`traceOn`). */
  #tracer: Tracer | null = null;
  #pid = 0;

  constructor(
    readonly sched: Scheduler,
    readonly cpu: Cpu,
    readonly ports: PortBus,
    readonly name: string,
  ) {}

  /** Installs the IDT gates for the 16 IRQ vectors. */
  installGates(): void {
    for (let irq = 0; irq < 16; irq++) {
      this.cpu.setGate(IRQ_VECTOR_BASE + irq, () => this.#isr(irq));
    }
  }

  /**
   * Records this machine's interrupts in `t` as process `pid`: the gates and the thread
   * mark what they do, and a probe on `pic` marks each IRQ line's rising edge.
   */
  traceOn(t: Tracer, pid: number, pic: PicPair): void {
    this.#tracer = t;
    this.#pid = pid;
    const raise = pic.raise.bind(pic);
    pic.raise = (irq: number) => {
      const before = pic.raised[irq];
      raise(irq);
      if (pic.raised[irq] !== before) t.instant(pid, `IRQ ${irq} raised`, "irq");
    };
  }

  /** Starts the interrupt thread; it enters the kernel through the hyperup. */
  start(up: RumpHyperup): void {
    const data: FiberData = { lwp: null };
    this.#fiber = this.sched.spawn(`${this.name}intr`, () => this.#thread(up), {
      daemon: true,
      data,
    });
  }

  /** The machine crashed: its interrupt thread is destroyed where it stands. */
  destroy(): void {
    if (this.#fiber) this.sched.kill(this.#fiber);
    this.#fiber = null;
  }

  /** The interrupt thread: wait for pending IRQs, run their handlers on a vCPU, then EOI. */
  *#thread(up: RumpHyperup): Generator<unknown, void, unknown> {
    for (;;) {
      while (this.#pending === 0) {
        this.sched.prepareBlock(undefined, "intr");
        yield* this.sched.block();
      }
      const todo = this.#pending;
      this.#pending = 0;
      yield* up.schedule();
      const tr = this.#tracer, me = this.#fiber!;
      for (let irq = 0; irq < 16; irq++) {
        if (!(todo & (1 << irq))) continue;
        if (tr) tr.begin(me, `IRQ ${irq} handlers`, "irq");
        let claimed = 0;
        for (const h of this.#handlers[irq]) claimed |= h();
        this.counts[irq]++;
        if (!claimed) this.stray++;
        if (tr) tr.end(me, { claimed: claimed !== 0 });
      }
      up.unschedule();
      for (let irq = 0; irq < 16; irq++) {
        if (!(todo & (1 << irq))) continue;
        this.#eoi(irq);
        if (tr) tr.instant(me, `IRQ ${irq} EOI`, "irq");
      }
    }
  }

  /** Registers `h` for `irq` (rumpcomp_pci_irq_establish → bmk_isr_establish). */
  establish(irq: number, h: IrqHandler): void {
    if (irq < 1 || irq > 15 || irq === 2) {
      throw new Error(`cannot establish a handler on IRQ ${irq}`);
    }
    if (this.#handlers[irq].length === 0) this.onEstablish(irq);
    this.#handlers[irq].push(h);
  }

  #isr(irq: number): void {
    const tr = this.#tracer;
    if (tr) tr.instant(this.#pid, `IRQ ${irq} delivered`, "irq", { vector: IRQ_VECTOR_BASE + irq });
    if (irq === 0) {
      this.#eoi(0);
      if (tr) tr.instant(this.#pid, `IRQ 0 EOI`, "irq");
      return;
    }
    this.#pending |= 1 << irq;
    if (this.#fiber) this.sched.wake(this.#fiber);
  }

  #eoi(irq: number): void {
    if (irq >= 8) {
      this.ports.outb(PIC2_CMD, OCW2_SPECIFIC_EOI | (irq - 8));
      this.ports.outb(PIC1_CMD, OCW2_SPECIFIC_EOI | 2);
    } else {
      this.ports.outb(PIC1_CMD, OCW2_SPECIFIC_EOI | irq);
    }
  }
}
