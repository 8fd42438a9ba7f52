/**
 * arch/ — the simulated PC: RAM, the I/O port bus, the 8259A PIC pair, the CPU's IDT and
 * HLT, the 8254 PIT, the CMOS RTC, the PCI host bridge, the 16550 UART, Multiboot info,
 * and the machine that puts them together.
 *
 * arch/ imports only sched/ and reads no host time: a realtime machine is handed the
 * host's clock and waiter (host/realtime.ts).
 */
export * from "./ram.ts";
export * from "./portio.ts";
export * from "./pic.ts";
export * from "./cpu.ts";
export * from "./pit.ts";
export * from "./rtc.ts";
export * from "./pci.ts";
export * from "./uart.ts";
export * from "./multiboot.ts";
export * from "./machine.ts";
