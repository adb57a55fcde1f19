import { EmulatorError } from "./errors";
import type { Account, NamespaceSize, Store } from "./state";
import { formatDate } from "./views";

/**
 * What Quay's registry side writes and the emulator has no registry for: the quota size rows that
 * pushes and the quota total worker keep (data/model/quota.py at v3.18.0), and an account's
 * `last_accessed`, which Quay sets when the registry checks its credentials (a robot's
 * `docker login`: verify_robot in data/model/user.py). Played through the control API
 * (`POST /_emulator/usage`, `POST /_emulator/last-accessed`, docs/emulator.md).
 */

export interface UsageRequest {
  namespace?: unknown;
  repository?: unknown;
  bytes?: unknown;
  backfill?: unknown;
}

export interface UsageResult {
  namespace: string;
  repository?: string;
  repository_bytes?: number;
  namespace_bytes: number;
  backfill_status: string;
}

const BACKFILL = ["complete", "running", "waiting"] as const;
type Backfill = (typeof BACKFILL)[number];

function namespaceOf(store: Store, name: unknown): Account {
  if (typeof name !== "string" || name === "")
    throw new EmulatorError("QG_EMU_CONTROL", "namespace must be a name");
  const ns = store.account(name);
  if (!ns || ns.kind === "robot") throw new NotFoundError(`no organization or user named ${name}`);
  return ns;
}

/** An unknown name: the control API answers 404. */
export class NotFoundError extends EmulatorError {
  constructor(message: string) {
    super("QG_EMU_CONTROL", message);
  }
}

function byteCount(value: unknown): number {
  if (typeof value !== "number" || !Number.isSafeInteger(value) || value < 0)
    throw new EmulatorError("QG_EMU_CONTROL", "bytes must be a whole number of bytes, 0 or more");
  return value;
}

const statusOf = (row: NamespaceSize | undefined): string =>
  row === undefined
    ? "waiting"
    : row.backfillComplete
      ? row.backfillStartMs === null
        ? ""
        : "complete"
      : row.backfillStartMs === null
        ? "waiting"
        : "running";

/**
 * With `repository`: that repository's size becomes `bytes`, as pushes and deletes of blobs that no
 * other repository of the namespace holds would leave it, and the namespace total moves by the same
 * difference (write_namespace_total: only while its backfill is complete; a namespace without a row
 * gets one holding the sum of its repositories, as the first push or the backfill would write).
 * Without `repository`: the namespace row itself, as the quota total worker writes it (`backfill`:
 * `complete`, the default; `running`, still counting; `waiting`, not started).
 */
export function setUsage(store: Store, req: UsageRequest): UsageResult {
  const ns = namespaceOf(store, req.namespace);
  const bytes = byteCount(req.bytes);
  if (req.repository === undefined) {
    const backfill = (req.backfill ?? "complete") as Backfill;
    if (!BACKFILL.includes(backfill))
      throw new EmulatorError("QG_EMU_CONTROL", `backfill must be one of ${BACKFILL.join(", ")}`);
    ns.quotaSize = {
      sizeBytes: bytes,
      backfillStartMs: backfill === "waiting" ? null : Date.now(),
      backfillComplete: backfill === "complete",
    };
    return { namespace: ns.username, namespace_bytes: bytes, backfill_status: statusOf(ns.quotaSize) };
  }
  if (req.backfill !== undefined)
    throw new EmulatorError("QG_EMU_CONTROL", "backfill is a namespace setting: send it without repository");
  if (typeof req.repository !== "string")
    throw new EmulatorError("QG_EMU_CONTROL", "repository must be a name");
  const repo = store.repo(ns.username, req.repository);
  if (!repo) throw new NotFoundError(`no repository ${ns.username}/${req.repository}`);
  const delta = bytes - (repo.sizeBytes ?? 0);
  repo.sizeBytes = bytes;
  if (ns.quotaSize === undefined) {
    const total = store.reposOf(ns.id).reduce((sum, r) => sum + (r.sizeBytes ?? 0), 0);
    ns.quotaSize = { sizeBytes: total, backfillStartMs: 0, backfillComplete: true };
  } else if (ns.quotaSize.backfillComplete) {
    ns.quotaSize.sizeBytes = Math.max(0, ns.quotaSize.sizeBytes + delta);
  }
  return {
    namespace: ns.username,
    repository: repo.name,
    repository_bytes: bytes,
    namespace_bytes: ns.quotaSize.sizeBytes,
    backfill_status: statusOf(ns.quotaSize),
  };
}

/** `last_accessed` of a robot or user: `at` (ISO 8601) or now. */
export function setLastAccessed(
  store: Store,
  req: { account?: unknown; at?: unknown },
): { account: string; last_accessed: string } {
  if (typeof req.account !== "string" || req.account === "")
    throw new EmulatorError("QG_EMU_CONTROL", "account must be a robot (org+name) or user name");
  const account = store.account(req.account);
  if (!account || account.kind === "org") throw new NotFoundError(`no robot or user named ${req.account}`);
  let at = Date.now();
  if (req.at !== undefined) {
    at = typeof req.at === "string" ? Date.parse(req.at) : Number.NaN;
    if (!Number.isFinite(at)) throw new EmulatorError("QG_EMU_CONTROL", "at must be an ISO 8601 time");
  }
  account.lastAccessedMs = at;
  return { account: account.username, last_accessed: formatDate(at) };
}
