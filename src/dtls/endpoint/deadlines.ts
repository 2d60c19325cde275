// The earliest timer of many connections without scanning them all: a binary min-heap of (deadline, item) entries
// with lazy deletion, for ServerDispatcher.nextTimeout() / handleTimeout() (./dispatcher.ts).
//
// Each item has at most one current deadline (kept in a Map). Changing or clearing it leaves the old heap entry in
// place; an entry is live only while its time is still its item's current deadline, and stale entries are dropped
// when they reach the top. So that stale entries cannot pile up (a retransmission timer re-armed at every flight),
// the heap is rebuilt from the Map once it holds more than twice the live items plus 64. Every operation is
// O(log n) amortised. Ties (equal deadlines) come out in an order fixed by the sequence of calls: deterministic.

export class Deadlines<T> {
  private readonly current = new Map<T, number>();
  private times: number[] = [];
  private items: T[] = [];

  /** Items with a deadline. */
  get size(): number {
    return this.current.size;
  }

  /** Sets (or, with undefined, clears) the deadline of `item`. */
  set(item: T, at: number | undefined): void {
    const was = this.current.get(item);
    if (at === was) return;
    if (at === undefined) {
      this.current.delete(item);
      return;
    }
    this.current.set(item, at);
    this.push(at, item);
    if (this.times.length > 2 * this.current.size + 64) this.rebuild();
  }

  delete(item: T): void {
    this.current.delete(item);
  }

  /** The earliest current deadline, or undefined. */
  peek(): number | undefined {
    this.dropStale();
    return this.times.length > 0 ? this.times[0] : undefined;
  }

  /** Removes every item whose deadline is <= `now` (their deadlines cleared) and appends them to `into`, earliest
   *  first. */
  popDue(now: number, into: T[]): void {
    for (;;) {
      this.dropStale();
      if (this.times.length === 0 || this.times[0]! > now) return;
      const item = this.items[0]!;
      this.pop();
      this.current.delete(item);
      into.push(item);
    }
  }

  private dropStale(): void {
    while (this.times.length > 0 && this.current.get(this.items[0]!) !== this.times[0]) this.pop();
  }

  private rebuild(): void {
    this.times = [];
    this.items = [];
    for (const [item, at] of this.current) this.push(at, item);
  }

  private push(at: number, item: T): void {
    const times = this.times;
    const items = this.items;
    let i = times.length;
    times.push(at);
    items.push(item);
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (times[p]! <= at) break;
      times[i] = times[p]!;
      items[i] = items[p]!;
      i = p;
    }
    times[i] = at;
    items[i] = item;
  }

  private pop(): void {
    const times = this.times;
    const items = this.items;
    const lastT = times.pop()!;
    const lastI = items.pop()!;
    const n = times.length;
    if (n === 0) return;
    let i = 0;
    for (;;) {
      let c = 2 * i + 1;
      if (c >= n) break;
      if (c + 1 < n && times[c + 1]! < times[c]!) c++;
      if (times[c]! >= lastT) break;
      times[i] = times[c]!;
      items[i] = items[c]!;
      i = c;
    }
    times[i] = lastT;
    items[i] = lastI;
  }
}
