/**
 * Request counters, so benchmarks and tests can assert how many calls a run made (docs/quay-api.md#cost:
 * against a real Quay the number of requests sets the time). Keys are `METHOD route-template`, e.g.
 * `GET /api/v1/organization/{orgname}`; unrouted requests count under `METHOD (unrouted)`.
 * Reads are GET/HEAD/OPTIONS, writes everything else. The control API is not counted.
 * `workers` is the queue of the cost model (cost.ts), so a benchmark can tell Quay's time from ours.
 */

export interface StatsSnapshot {
  since: string;
  total: number;
  reads: number;
  writes: number;
  byRoute: Record<string, number>;
  byStatus: Record<string, number>;
  faults: Record<string, number>;
  workers: WorkerStats;
}

/** The simulated Quay workers (fault `cost`); all zero while no cost is set. */
export interface WorkerStats {
  /** Requests holding a worker now. */
  busy: number;
  /** Requests waiting for a worker now. */
  waiting: number;
  /** The longest queue since the last reset. */
  peakWaiting: number;
  /** Worker time held, summed over requests (milliseconds). */
  busyMs: number;
  /** Time spent waiting for a worker, summed over requests (milliseconds). */
  waitedMs: number;
  /** Requests that held a worker, by what they paid for (cost.ts `authCostOf`). */
  served: Record<string, number>;
}

const READ_METHODS = new Set(["GET", "HEAD", "OPTIONS"]);

export class Stats {
  private since = new Date();
  private total = 0;
  private reads = 0;
  private writes = 0;
  private byRoute = new Map<string, number>();
  private byStatus = new Map<number, number>();
  private faults = new Map<string, number>();
  private busy = 0;
  private waiting = 0;
  private peakWaiting = 0;
  private busyMs = 0;
  private waitedMs = 0;
  private served = new Map<string, number>();

  request(method: string, template: string): void {
    this.total++;
    if (READ_METHODS.has(method)) this.reads++;
    else this.writes++;
    const key = `${method} ${template}`;
    this.byRoute.set(key, (this.byRoute.get(key) ?? 0) + 1);
  }

  status(code: number): void {
    this.byStatus.set(code, (this.byStatus.get(code) ?? 0) + 1);
  }

  fault(kind: string): void {
    this.faults.set(kind, (this.faults.get(kind) ?? 0) + 1);
  }

  workerQueued(): void {
    this.waiting++;
    if (this.waiting > this.peakWaiting) this.peakWaiting = this.waiting;
  }

  workerDequeued(waitedMs: number): void {
    this.waiting--;
    this.waitedMs += waitedMs;
  }

  workerStarted(kind: string): void {
    this.busy++;
    this.served.set(kind, (this.served.get(kind) ?? 0) + 1);
  }

  workerFinished(heldMs: number): void {
    this.busy--;
    this.busyMs += heldMs;
  }

  /** Counters go back to zero; `busy` and `waiting` are the present, not a count, and stay. */
  reset(): void {
    this.since = new Date();
    this.total = 0;
    this.reads = 0;
    this.writes = 0;
    this.byRoute.clear();
    this.byStatus.clear();
    this.faults.clear();
    this.peakWaiting = this.waiting;
    this.busyMs = 0;
    this.waitedMs = 0;
    this.served.clear();
  }

  snapshot(): StatsSnapshot {
    const sorted = <K>(m: Map<K, number>): Record<string, number> =>
      Object.fromEntries(
        [...m.entries()].map(([k, v]) => [String(k), v] as const).sort(([a], [b]) => a.localeCompare(b)),
      );
    return {
      since: this.since.toISOString(),
      total: this.total,
      reads: this.reads,
      writes: this.writes,
      byRoute: sorted(this.byRoute),
      byStatus: sorted(this.byStatus),
      faults: sorted(this.faults),
      workers: {
        busy: this.busy,
        waiting: this.waiting,
        peakWaiting: this.peakWaiting,
        busyMs: Math.round(this.busyMs),
        waitedMs: Math.round(this.waitedMs),
        served: sorted(this.served),
      },
    };
  }
}
