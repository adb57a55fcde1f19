/**
 * Request counters, so benchmarks and tests can assert how many calls a run made (QUAY-API.md §1.5b:
 * against a real Quay the number of requests sets the time). Keys are `METHOD route-template`, e.g.
 * `GET /api/v1/organization/{orgname}`; unrouted requests count under `METHOD (unrouted)`.
 * Reads are GET/HEAD/OPTIONS, writes everything else. The control API is not counted.
 */

export interface StatsSnapshot {
  since: string;
  total: number;
  reads: number;
  writes: number;
  byRoute: Record<string, number>;
  byStatus: Record<string, number>;
  faults: Record<string, number>;
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

  reset(): void {
    this.since = new Date();
    this.total = 0;
    this.reads = 0;
    this.writes = 0;
    this.byRoute.clear();
    this.byStatus.clear();
    this.faults.clear();
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
    };
  }
}
