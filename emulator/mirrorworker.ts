import { workerLog } from "./audit";
import { EmulatorError } from "./errors";
import type { Account, Mirror, Repository, Store } from "./state";
import { isoMicros, nowMicros } from "./views";

/**
 * Plays Quay's repository mirror worker (workers/repomirrorworker, data/model/repo_mirror.py) on
 * request, so tests can observe the worker-driven drift of docs/quay-api.md#mirrors: sync_status,
 * sync_retries_remaining, sync_expiration_date and sync_start_date, which after a run moves to the
 * next interval boundary and carries microseconds.
 *
 * One call is one worker pass. `phase: "start"` only claims (status SYNCING, like a run in progress),
 * `phase: "finish"` only completes claimed runs, `phase: "full"` (default) does both.
 */

const MAX_SYNC_DURATION_US = 12 * 3600 * 1_000_000;
const MAX_SYNC_RETRIES = 3;

export interface SyncRequest {
  repository?: string | string[];
  outcome?: "success" | "fail";
  phase?: "start" | "finish" | "full";
  /** ISO 8601 time the worker believes it is (default: now). */
  now?: string;
}

export interface SyncResult {
  repository: string;
  action: "claimed" | "succeeded" | "failed" | "cancelled" | "expired" | "skipped";
  sync_status: string;
  sync_start_date: string | null;
  sync_retries_remaining: number;
}

function eligible(m: Mirror, repo: Repository, now: number): boolean {
  if (repo.state !== "MIRROR") return false;
  const start = m.syncStartUs;
  const immediate = m.status === "SYNC_NOW" && m.syncExpirationUs === null;
  const ready =
    start !== null &&
    start <= now &&
    m.retriesRemaining > 0 &&
    m.status !== "SYNCING" &&
    m.syncExpirationUs === null &&
    m.isEnabled;
  const expired =
    start !== null &&
    start <= now &&
    m.retriesRemaining > 0 &&
    m.status === "SYNCING" &&
    m.syncExpirationUs !== null &&
    m.syncExpirationUs <= now &&
    m.isEnabled;
  return immediate || ready || expired;
}

/** release_mirror: success (or exhausted retries) moves the start to the next interval boundary. */
function release(m: Mirror, status: "SUCCESS" | "FAIL" | "CANCEL", now: number): void {
  let retries = m.retriesRemaining;
  let next: number | null;
  if (status === "FAIL") retries = Math.max(0, retries - 1);
  if (status === "SUCCESS" || retries < 1) {
    const start = m.syncStartUs ?? now;
    // timedelta.days * 86400 + timedelta.seconds: whole seconds, floored.
    const deltaSeconds = Math.floor((now - start) / 1_000_000);
    const interval = m.syncInterval;
    const wait = interval > 0 ? interval - (((deltaSeconds % interval) + interval) % interval) : 0;
    next = now + wait * 1_000_000;
    retries = MAX_SYNC_RETRIES;
  } else {
    next = m.syncStartUs;
  }
  if (status === "CANCEL") {
    next = null;
    retries = 0;
  }
  m.status = status;
  m.syncStartUs = next;
  m.syncExpirationUs = null;
  m.retriesRemaining = retries;
  m.claimed = false;
}

function message(m: Mirror): string {
  return `'${m.externalReference}' with tag pattern '${m.ruleValue.join(",")}'`;
}

function baseMetadata(ns: Account, repo: Repository): Record<string, unknown> {
  return { namespace: ns.username, repo: repo.name, tag: null, tags: null, stdout: null, stderr: null };
}

export function runMirrorWorker(store: Store, request: SyncRequest = {}): SyncResult[] {
  let now = nowMicros();
  if (request.now !== undefined) {
    const ms = Date.parse(request.now);
    if (Number.isNaN(ms)) throw new EmulatorError("QG_EMU_CONTROL", "now must be an ISO 8601 date");
    now = ms * 1000;
  }
  const phase = request.phase ?? "full";
  if (!["start", "finish", "full"].includes(phase)) {
    throw new EmulatorError("QG_EMU_CONTROL", "phase must be start, finish or full");
  }
  const outcome = request.outcome ?? "success";
  if (outcome !== "success" && outcome !== "fail")
    throw new EmulatorError("QG_EMU_CONTROL", "outcome must be success or fail");
  const only = request.repository === undefined ? undefined : new Set([request.repository].flat());
  const results: SyncResult[] = [];
  const mirrors = [...store.mirrors.values()].sort(
    (a, b) => (a.syncStartUs ?? 0) - (b.syncStartUs ?? 0) || a.id - b.id,
  );
  for (const m of mirrors) {
    const repo = store.repos.get(m.repoId);
    const ns = repo ? store.accounts.get(repo.namespaceId) : undefined;
    if (!repo || !ns) continue;
    const full = `${ns.username}/${repo.name}`;
    if (only && !only.has(full)) continue;
    const report = (action: SyncResult["action"]): void => {
      results.push({
        repository: full,
        action,
        sync_status: m.status,
        sync_start_date: m.syncStartUs === null ? null : isoMicros(m.syncStartUs),
        sync_retries_remaining: m.retriesRemaining,
      });
    };
    if (m.claimed) {
      if (phase === "start") continue;
    } else {
      if (phase === "finish") continue;
      if (!eligible(m, repo, now)) {
        if (only) report("skipped");
        continue;
      }
      // claim_mirror
      if (m.syncExpirationUs !== null && now > m.syncExpirationUs) {
        m.syncExpirationUs = now;
        m.retriesRemaining = MAX_SYNC_RETRIES;
        report("expired");
        continue;
      }
      if (m.status === "CANCEL") {
        if (only) report("skipped");
        continue;
      }
      m.status = "SYNCING";
      m.syncExpirationUs = now + MAX_SYNC_DURATION_US;
      m.claimed = true;
      workerLog(
        store,
        "repo_mirror_sync_started",
        ns,
        repo,
        { verb: "start", ...baseMetadata(ns, repo), message: message(m) },
        now / 1000,
      );
      if (phase === "start") {
        report("claimed");
        continue;
      }
    }
    // Finish the run. A sync-cancel while running wins over the outcome.
    if (m.status === "CANCEL") {
      release(m, "CANCEL", now);
      report("cancelled");
      continue;
    }
    if (outcome === "success") {
      workerLog(
        store,
        "repo_mirror_sync_success",
        ns,
        repo,
        { verb: "end", ...baseMetadata(ns, repo), message: message(m), tags: "No tags matched" },
        now / 1000,
      );
      release(m, "SUCCESS", now);
      report("succeeded");
    } else {
      workerLog(
        store,
        "repo_mirror_sync_failed",
        ns,
        repo,
        {
          verb: "end",
          ...baseMetadata(ns, repo),
          message: `${message(m)}: emulated failure`,
          tags: "",
          stdout: "Not applicable",
          stderr: "emulated failure (POST /_emulator/mirror/sync outcome=fail)",
        },
        now / 1000,
      );
      release(m, "FAIL", now);
      report("failed");
    }
  }
  return results;
}
