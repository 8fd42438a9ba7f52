/**
 * deadlines.ts — the httpd's connection deadlines as a binary min-heap: the earliest is
 * found without looking at every connection, so a turn of the server loop costs what
 * happened in it, not how many connections are open.
 *
 * A connection's deadline moves often (every byte it moves). Rather than find and move
 * its heap entry, `set` pushes a new entry and remembers it as the owner's current one;
 * an entry that is no longer its owner's current one is stale and skipped when it comes
 * to the top. Stale entries are dropped wholesale (`compact`) when they outnumber the
 * live ones, so the heap stays within a small multiple of the connections open, and an
 * owner that is gone (a closed connection) is not held for long.
 *
 * Rules: times are monotonic nanoseconds; `Infinity` means no deadline (nothing pushed).
 */

/** What a deadline belongs to: its current entry's time (Infinity: none; a gone owner has none). */
export interface DeadlineOwner {
  deadlineAt: number;
}

interface Entry<T extends DeadlineOwner> {
  at: number;
  owner: T;
}

export class Deadlines<T extends DeadlineOwner> {
  #heap: Entry<T>[] = [];
  #live = 0;

  /** Entries held now (live and stale), for tests. */
  get size(): number {
    return this.#heap.length;
  }

  /** Sets `owner`'s deadline to `at` (its previous entry becomes stale). */
  set(owner: T, at: number): void {
    if (owner.deadlineAt === at) return;
    if (owner.deadlineAt === Infinity) this.#live++;
    owner.deadlineAt = at;
    if (at === Infinity) this.#live--;
    else this.#push({ at, owner });
    // Stale entries hold their owners (a closed connection and its buffers): dropped as
    // soon as they outnumber the live ones, also when owners go away.
    if (this.#heap.length > 4 * this.#live + 64) this.#compact();
  }

  /** Forgets `owner`'s deadline (it is gone or has none). */
  clear(owner: T): void {
    this.set(owner, Infinity);
  }

  /** The earliest live deadline, or Infinity. */
  next(): number {
    this.#dropStale();
    return this.#heap.length > 0 ? this.#heap[0].at : Infinity;
  }

  /** Takes the owner of the earliest live deadline if it is at or before `now`. */
  due(now: number): T | null {
    this.#dropStale();
    const top = this.#heap[0];
    if (top === undefined || top.at > now) return null;
    this.#pop();
    this.#live--;
    top.owner.deadlineAt = Infinity;
    return top.owner;
  }

  #stale(e: Entry<T>): boolean {
    return e.owner.deadlineAt !== e.at;
  }

  #dropStale(): void {
    while (this.#heap.length > 0 && this.#stale(this.#heap[0])) this.#pop();
  }

  /** Rebuilds the heap from its live entries. */
  #compact(): void {
    const live = this.#heap.filter((e) => !this.#stale(e));
    this.#heap = [];
    for (const e of live) this.#push(e);
  }

  #push(e: Entry<T>): void {
    const h = this.#heap;
    let i = h.push(e) - 1;
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (h[p].at <= e.at) break;
      h[i] = h[p];
      i = p;
    }
    h[i] = e;
  }

  #pop(): void {
    const h = this.#heap;
    const last = h.pop()!;
    if (h.length === 0) return;
    let i = 0;
    for (;;) {
      const l = 2 * i + 1;
      if (l >= h.length) break;
      const r = l + 1;
      const m = r < h.length && h[r].at < h[l].at ? r : l;
      if (h[m].at >= last.at) break;
      h[i] = h[m];
      i = m;
    }
    h[i] = last;
  }
}
