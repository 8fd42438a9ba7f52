/**
 * heap.ts — a binary min-heap keyed by a number, ties broken by insertion order.
 *
 * Rules: the key is compared first, then a sequence number taken at insertion, so two
 * entries with the same key come out in the order they went in (the timed queue and the
 * event queue rely on this for determinism). Entries may be removed from the middle in
 * O(log n) through the handle returned by `push`.
 */

/** One entry in the heap; `index` is -1 once it has left. */
export interface HeapEntry<T> {
  key: number;
  seq: number;
  value: T;
  index: number;
}

export class MinHeap<T> {
  #a: HeapEntry<T>[] = [];
  #seq = 0;

  get size(): number {
    return this.#a.length;
  }

  /** The smallest key, or Infinity when empty. */
  peekKey(): number {
    return this.#a.length ? this.#a[0].key : Infinity;
  }

  peek(): HeapEntry<T> | undefined {
    return this.#a[0];
  }

  push(key: number, value: T): HeapEntry<T> {
    const e: HeapEntry<T> = { key, seq: this.#seq++, value, index: this.#a.length };
    this.#a.push(e);
    this.#up(e.index);
    return e;
  }

  pop(): HeapEntry<T> | undefined {
    const a = this.#a;
    if (a.length === 0) return undefined;
    const top = a[0];
    const last = a.pop()!;
    if (a.length) {
      a[0] = last;
      last.index = 0;
      this.#down(0);
    }
    top.index = -1;
    return top;
  }

  /** Removes `e` if it is still in the heap. */
  remove(e: HeapEntry<T>): boolean {
    const a = this.#a;
    const i = e.index;
    if (i < 0 || a[i] !== e) return false;
    const last = a.pop()!;
    if (i < a.length) {
      a[i] = last;
      last.index = i;
      this.#down(i);
      this.#up(last.index);
    }
    e.index = -1;
    return true;
  }

  #less(x: HeapEntry<T>, y: HeapEntry<T>): boolean {
    return x.key < y.key || (x.key === y.key && x.seq < y.seq);
  }

  #up(i: number): void {
    const a = this.#a;
    const e = a[i];
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (!this.#less(e, a[p])) break;
      a[i] = a[p];
      a[i].index = i;
      i = p;
    }
    a[i] = e;
    e.index = i;
  }

  #down(i: number): void {
    const a = this.#a;
    const n = a.length;
    const e = a[i];
    for (;;) {
      const l = 2 * i + 1;
      if (l >= n) break;
      const r = l + 1;
      const c = r < n && this.#less(a[r], a[l]) ? r : l;
      if (!this.#less(a[c], e)) break;
      a[i] = a[c];
      a[i].index = i;
      i = c;
    }
    a[i] = e;
    e.index = i;
  }
}
