import assert from "node:assert/strict";
import { PortBus } from "../../arch/portio.ts";
import { Uart } from "../../arch/uart.ts";

const COM1 = 0x3f8;
const THR = COM1, IER = COM1 + 1, IIR = COM1 + 2, FCR = COM1 + 2, LCR = COM1 + 3;
const MCR = COM1 + 4, LSR = COM1 + 5, MSR = COM1 + 6, SCR = COM1 + 7;

function setup() {
  const bus = new PortBus();
  const out: string[] = [];
  const irq: string[] = [];
  const uart = new Uart(bus, {
    sink: (b) => out.push(new TextDecoder().decode(b)),
    irq: { raise: () => irq.push("raise"), lower: () => irq.push("lower") },
  });
  const send = (s: string) => {
    for (const c of new TextEncoder().encode(s)) bus.outb(THR, c);
  };
  const recv = () => {
    let s = "";
    while (bus.inb(LSR) & 0x01) s += String.fromCharCode(bus.inb(THR));
    return s;
  };
  return { bus, uart, out, irq, send, recv };
}

Deno.test("uart: output reaches the sink at each newline and on flush", () => {
  const { bus, uart, out, send } = setup();
  send("hello\nwor");
  assert.deepEqual(out, ["hello\n"]);
  assert.equal(bus.inb(LSR) & 0x60, 0x60, "THRE and TEMT: the transmitter is always empty");
  uart.flush();
  assert.deepEqual(out, ["hello\n", "wor"]);
  uart.flush();
  assert.equal(out.length, 2);
  assert.equal(uart.txBytes, 9);
});

Deno.test("uart: DLAB switches offsets 0 and 1 to the divisor latch", () => {
  const { bus, uart, out } = setup();
  bus.outb(LCR, 0x83);
  bus.outb(COM1, 0x01);
  bus.outb(COM1 + 1, 0x00);
  assert.equal(bus.inb(COM1), 0x01);
  assert.equal(uart.baud, 115200);
  bus.outb(LCR, 0x03);
  assert.equal(bus.inb(IER), 0, "IER untouched by divisor writes");
  assert.deepEqual(out, [], "divisor writes are not output");
  assert.equal(bus.inb(LCR), 0x03);
});

Deno.test("uart: fed bytes wait in the receiver and set DR", () => {
  const { bus, uart, recv } = setup();
  assert.equal(bus.inb(LSR) & 0x01, 0);
  uart.feed(new TextEncoder().encode("abc"));
  assert.equal(bus.inb(LSR) & 0x01, 1);
  assert.equal(recv(), "abc", "nothing lost with FIFOs off: the line is flow-controlled");
  assert.equal(uart.rxBytes, 3);
  assert.equal(bus.inb(THR), 0, "reading an empty RBR");
});

Deno.test("uart: received data raises IRQ4 only with ERBFI and OUT2, and drops when drained", () => {
  const { bus, uart, irq, recv } = setup();
  bus.outb(IER, 0x01);
  uart.feed(new Uint8Array([0x41]));
  assert.deepEqual(irq, [], "OUT2 gates the interrupt on a PC");
  assert.equal(bus.inb(IIR), 0x04);
  bus.outb(MCR, 0x0b); // DTR, RTS, OUT2
  assert.deepEqual(irq, ["raise"]);
  assert.equal(recv(), "A");
  assert.deepEqual(irq, ["raise", "lower"]);
  assert.equal(bus.inb(IIR), 0x01);
});

Deno.test("uart: with FIFOs, the trigger level decides between data and timeout", () => {
  const { bus, uart, recv } = setup();
  bus.outb(FCR, 0xc7); // enable, clear both, trigger 14
  bus.outb(IER, 0x01);
  uart.feed(new Uint8Array(5).fill(0x30));
  assert.equal(bus.inb(IIR), 0xcc, "below the trigger: character timeout");
  uart.feed(new Uint8Array(15).fill(0x31));
  assert.equal(bus.inb(IIR), 0xc4, "at the trigger: received data available");
  assert.equal(uart.rxWaiting, 20);
  assert.equal(recv().length, 20);
  assert.equal(bus.inb(IIR), 0xc1);
});

Deno.test("uart: the THR-empty interrupt comes on enabling it and after each write, and IIR clears it", () => {
  const { bus, send, irq } = setup();
  bus.outb(MCR, 0x08);
  bus.outb(IER, 0x02);
  assert.equal(bus.inb(IIR), 0x02);
  assert.equal(bus.inb(IIR), 0x01, "reading IIR cleared it");
  send("x");
  assert.equal(bus.inb(IIR), 0x02);
  assert.deepEqual(irq, ["raise", "lower", "raise", "lower"]);
});

Deno.test("uart: received data outranks THR empty", () => {
  const { bus, uart } = setup();
  bus.outb(IER, 0x03);
  uart.feed(new Uint8Array([1]));
  assert.equal(bus.inb(IIR), 0x04);
  bus.inb(THR);
  assert.equal(bus.inb(IIR), 0x02);
});

Deno.test("uart: loopback sends THR to RBR and MCR to MSR", () => {
  const { bus, out, send, recv, uart } = setup();
  bus.outb(FCR, 0x01);
  bus.outb(MCR, 0x10);
  send("ping");
  assert.equal(recv(), "ping");
  uart.flush();
  assert.deepEqual(out, []);
  bus.inb(MSR);
  bus.outb(MCR, 0x10 | 0x03); // DTR, RTS
  assert.equal(bus.inb(MSR), 0x30 | 0x03, "CTS, DSR and their deltas");
  assert.equal(bus.inb(MSR), 0x30, "reading MSR clears the deltas");
  bus.outb(MCR, 0x00);
  assert.equal(bus.inb(MSR) & 0xf0, 0xb0, "a terminal is attached: CTS, DSR, DCD");
});

Deno.test("uart: the scratch register keeps its value", () => {
  const { bus } = setup();
  bus.outb(SCR, 0x5a);
  assert.equal(bus.inb(SCR), 0x5a);
});

Deno.test("uart: a string written to THR (rep outsb) is that many byte writes", () => {
  const a = setup(), b = setup();
  for (const s of [a, b]) {
    s.bus.outb(MCR, 0x08); // OUT2: the interrupt reaches the PIC
    s.bus.outb(IER, 0x02); // THR-empty interrupts
    s.bus.inb(IIR); // take the THR-empty cause enabling ETBEI raised
  }
  const bytes = new TextEncoder().encode("GET / 200\nnext");
  a.send("GET / 200\nnext");
  b.bus.outsb(THR, bytes, 0, 8);
  b.bus.outsb(THR, bytes, 8, bytes.length);
  assert.deepEqual(b.out, a.out);
  assert.deepEqual(b.out, ["GET / 200\n"]);
  assert.equal(b.uart.txBytes, a.uart.txBytes);
  assert.deepEqual(b.irq, a.irq);
  assert.equal(b.bus.inb(IIR) & 0x0f, 0x02); // THR empty, as after the last byte write
  assert.deepEqual(b.bus.stats()[0].writes, a.bus.stats()[0].writes);
  a.uart.flush();
  b.uart.flush();
  assert.deepEqual(b.out, a.out);
});

Deno.test("uart: many lines and more than the output buffer in one string: the sink gets what byte writes give it", () => {
  const a = setup(), b = setup();
  const text = "a\n\nbc\n" + "x".repeat(5000) + "\nend\n" + "y".repeat(9000) + "\ntail";
  const bytes = new TextEncoder().encode(text);
  a.send(text);
  b.bus.outsb(THR, bytes, 0, 3);
  b.bus.outsb(THR, bytes, 3, bytes.length);
  assert.deepEqual(b.out, a.out);
  assert.ok(a.out.length >= 6, "lines and full buffers are handed on separately");
  assert.equal(b.uart.txBytes, bytes.length);
  a.uart.flush();
  b.uart.flush();
  assert.deepEqual(b.out, a.out);
  assert.equal(b.out.join(""), text);
});

Deno.test("uart: a string in loopback mode fills the receive FIFO like byte writes", () => {
  const { bus, uart, recv } = setup();
  bus.outb(FCR, 0x07);
  bus.outb(MCR, 0x10); // loopback
  bus.outsb(THR, new TextEncoder().encode("0123456789abcdefXY"));
  assert.equal(recv(), "0123456789abcdef");
  assert.equal(uart.overruns, 2);
});
