/**
 * msgbuf.ts — the kernel message buffer: what printf writes, `dmesg` and /kern/msgbuf read.
 *
 * Rules: a ring of at most `size` bytes of text; the oldest text is dropped first. Every
 * printf goes to the buffer and to the console (through the putchar/dprintf hypercall).
 */

export class MsgBuf {
  #chunks: string[] = [];
  #bytes = 0;
  /** Bytes dropped because the ring was full. */
  dropped = 0;

  constructor(readonly size: number = 64 * 1024) {}

  append(s: string): void {
    this.#chunks.push(s);
    this.#bytes += s.length;
    while (this.#bytes > this.size && this.#chunks.length > 1) {
      const old = this.#chunks.shift()!;
      this.#bytes -= old.length;
      this.dropped += old.length;
    }
  }

  /** The whole buffer as text. */
  text(): string {
    return this.#chunks.join("");
  }
}
