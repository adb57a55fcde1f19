/**
 * A counting semaphore: at most `max` functions run at once, the others wait in FIFO order.
 *
 * The client takes one slot per HTTP attempt and gives it back while it sleeps before a retry,
 * so a request waiting out a Retry-After does not hold back the others. Against a real Quay more
 * than ~8 requests in flight only queue behind its bcrypt token check (docs/quay-api.md#cost).
 */
export class Limiter {
  readonly max: number;
  #active = 0;
  #peak = 0;
  readonly #queue: Array<() => void> = [];

  constructor(max: number) {
    if (!Number.isInteger(max) || max < 1) {
      throw new RangeError(`concurrency limit must be a positive integer, got ${max}`);
    }
    this.max = max;
  }

  /** Functions running now. */
  get active(): number {
    return this.#active;
  }

  /** Functions waiting for a slot. */
  get pending(): number {
    return this.#queue.length;
  }

  /** Highest `active` seen since construction (or the last `resetPeak`). */
  get peak(): number {
    return this.#peak;
  }

  resetPeak(): void {
    this.#peak = this.#active;
  }

  async run<T>(fn: () => Promise<T>, signal?: AbortSignal): Promise<T> {
    await this.#acquire(signal);
    try {
      return await fn();
    } finally {
      this.#release();
    }
  }

  #acquire(signal?: AbortSignal): Promise<void> {
    if (signal?.aborted) return Promise.reject(signal.reason);
    if (this.#active < this.max) {
      this.#take();
      return Promise.resolve();
    }
    return new Promise<void>((resolve, reject) => {
      const grant = () => {
        signal?.removeEventListener("abort", onAbort);
        this.#take();
        resolve();
      };
      const onAbort = () => {
        const i = this.#queue.indexOf(grant);
        if (i !== -1) this.#queue.splice(i, 1);
        reject(signal?.reason);
      };
      signal?.addEventListener("abort", onAbort, { once: true });
      this.#queue.push(grant);
    });
  }

  #take(): void {
    this.#active++;
    if (this.#active > this.#peak) this.#peak = this.#active;
  }

  #release(): void {
    this.#active--;
    const next = this.#queue.shift();
    if (next) next();
  }
}
