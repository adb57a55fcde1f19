/**
 * When quay-gitops itself wrote to Quay, in Quay's clock: the windows drift attribution uses to tell
 * the runs' own audit log entries from changes made by hand with the same account.
 *
 * The stack's update history says when each run started and ended, in whole seconds of the clock of
 * the machine that ran it. Quay stamps its audit log with its own clock (whole seconds too). An apply
 * reads Quay's clock from the `Date` header of one answer before it starts the engine and records the
 * difference in its update message (`applyMessage`), so its window is placed on Quay's time line to
 * within a few seconds instead of being padded by minutes: a change made by hand one minute after an
 * apply is not mistaken for the apply's own write. A run that recorded no difference (an older
 * version of quay-gitops, or a plain `pulumi up`) is placed with the difference the drift check
 * measures now, and padded more widely.
 *
 * Pure: the history and the measured difference come from the caller.
 */
import type { HistoryEntry } from "./selection";

/** How a run authenticated to Quay: what its audit log entries look like (docs/quay-api.md#audit-logs). */
export type RunAuth = "token" | "session";

/** One run of quay-gitops that wrote to Quay, in Quay's clock. */
export interface OwnRun {
  from: Date;
  to: Date;
  /** Undefined when the run did not record it (its entries may have either shape). */
  auth?: RunAuth;
}

/**
 * Both clocks tick in whole seconds and the `Date` header is read once: a recorded window is exact to
 * about two seconds; one more for safety.
 */
export const RECORDED_TOLERANCE_MS = 3_000;
/** Without a recorded difference, the run's machine is taken to be as far off as this one, give or take a minute. */
export const UNRECORDED_TOLERANCE_MS = 60_000;

const CLOCK = / quay-clock ([+-]\d+)ms\b/;
const AUTH = / auth (token|session)\b/;

/** The part of an apply's update message that places it on Quay's clock (see `applyMessage`). */
export function clockSuffix(clock: { offsetMs?: number | undefined; auth?: RunAuth | undefined }): string {
  const parts: string[] = [];
  if (clock.offsetMs !== undefined && Number.isFinite(clock.offsetMs))
    parts.push(` quay-clock ${clock.offsetMs >= 0 ? "+" : "-"}${Math.abs(Math.round(clock.offsetMs))}ms`);
  if (clock.auth) parts.push(` auth ${clock.auth}`);
  return parts.join("");
}

/** What an update message says about Quay's clock and the run's authentication, if anything. */
export function parseClockSuffix(message: string | undefined): { offsetMs?: number; auth?: RunAuth } {
  const out: { offsetMs?: number; auth?: RunAuth } = {};
  const c = CLOCK.exec(message ?? "");
  if (c) out.offsetMs = Number(c[1]);
  const a = AUTH.exec(message ?? "");
  if (a) out.auth = a[1] as RunAuth;
  return out;
}

const time = (v: string | Date | undefined): number => (v === undefined ? Number.NaN : new Date(v).getTime());

export interface RunWindows {
  /** The last successful update, in the clock of the machine that ran it (what the report shows). */
  lastApply?: { start: Date; end: Date };
  /** Audit log entries older than this (Quay's clock) happened before the last successful update. */
  since?: Date;
  /** Every update or destroy from the last successful update on, newest first. */
  runs: OwnRun[];
}

/**
 * The windows of the runs whose writes may be in the audit log since the last successful update: that
 * update and every later one (a failed update wrote too). `history` is newest first, as the engine
 * gives it; `offsetMs` is Quay's clock minus this machine's, measured now.
 */
export function ownRunWindows(history: readonly HistoryEntry[], offsetMs: number): RunWindows {
  const runs: OwnRun[] = [];
  for (const h of history) {
    if (h.kind !== "update" && h.kind !== "destroy") continue;
    const start = time(h.startTime);
    if (!Number.isFinite(start)) continue;
    const endRaw = time(h.endTime);
    const end = Number.isFinite(endRaw) ? endRaw : start;
    const recorded = parseClockSuffix(h.message);
    const offset = recorded.offsetMs ?? offsetMs;
    const tolerance = recorded.offsetMs !== undefined ? RECORDED_TOLERANCE_MS : UNRECORDED_TOLERANCE_MS;
    // The history keeps whole seconds: the run ended up to a second after `end`.
    const run: OwnRun = {
      from: new Date(start + offset - tolerance),
      to: new Date(end + 1_000 + offset + tolerance),
    };
    if (recorded.auth) run.auth = recorded.auth;
    runs.push(run);
    if (h.kind === "update" && h.result === "succeeded")
      return { lastApply: { start: new Date(start), end: new Date(end) }, since: run.from, runs };
  }
  return { runs };
}
