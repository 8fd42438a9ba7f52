/**
 * deque.ts — a growable ring buffer used as the run queue and as FIFO wait queues.
 *
 * Rules: O(1) push at the tail and shift at the head; `remove` is O(n) and keeps order.
 */

export class Deque<T> {
  #buf: (T | undefined)[];
  #head = 0;
  #len = 0;

  constructor(capacity = 16) {
    this.#buf = new Array(capacity);
  }

  get length(): number {
    return this.#len;
  }

  push(v: T): void {
    if (this.#len === this.#buf.length) this.#grow();
    this.#buf[(this.#head + this.#len) % this.#buf.length] = v;
    this.#len++;
  }

  shift(): T | undefined {
    if (this.#len === 0) return undefined;
    const v = this.#buf[this.#head];
    this.#buf[this.#head] = undefined;
    this.#head = (this.#head + 1) % this.#buf.length;
    this.#len--;
    return v;
  }

  peek(): T | undefined {
    return this.#len ? this.#buf[this.#head] : undefined;
  }

  remove(v: T): boolean {
    const n = this.#buf.length;
    for (let i = 0; i < this.#len; i++) {
      if (this.#buf[(this.#head + i) % n] === v) {
        for (let j = i; j < this.#len - 1; j++) {
          this.#buf[(this.#head + j) % n] = this.#buf[(this.#head + j + 1) % n];
        }
        this.#buf[(this.#head + this.#len - 1) % n] = undefined;
        this.#len--;
        return true;
      }
    }
    return false;
  }

  *[Symbol.iterator](): Iterator<T> {
    for (let i = 0; i < this.#len; i++) yield this.#buf[(this.#head + i) % this.#buf.length] as T;
  }

  #grow(): void {
    const old = this.#buf;
    const n = old.length;
    const b = new Array<T | undefined>(n * 2);
    for (let i = 0; i < this.#len; i++) b[i] = old[(this.#head + i) % n];
    this.#buf = b;
    this.#head = 0;
  }
}
