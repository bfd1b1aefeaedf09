/** A sliding-window request counter on the emulator clock (tests advance the clock instead of sleeping). */
export class SlidingWindow {
  readonly #hits = new Map<string, number[]>();

  constructor(
    readonly max: number,
    readonly windowMs: number,
  ) {}

  /**
   * Records a request for `key` at `nowMs` if the window has room. Returns 0 when admitted, otherwise the
   * milliseconds until the oldest hit leaves the window.
   */
  take(key: string, nowMs: number): number {
    const hits = (this.#hits.get(key) ?? []).filter((t) => t > nowMs - this.windowMs);
    if (hits.length >= this.max) {
      this.#hits.set(key, hits);
      return Math.max(1, (hits[0] ?? nowMs) + this.windowMs - nowMs);
    }
    hits.push(nowMs);
    this.#hits.set(key, hits);
    return 0;
  }

  reset(): void {
    this.#hits.clear();
  }
}
