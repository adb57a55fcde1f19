/**
 * The lab report: what Quay holds for every tenant (quota usage, mirrors, robots), judged against the
 * tenant files, as one plain data structure. `LiveLab` is what src/gitops/report.ts read from Quay
 * (already mapped from Quay's views); `LabReport` is what the renderers (HTML page, Markdown summary,
 * JSON) draw. Pure data: no I/O here.
 */

/** A quota limit as Quay stores it: `type` and `limit_percent` of the short quota view (docs/quay-api.md#quotas). */
export interface LiveQuotaLimit {
  type: "Warning" | "Reject";
  percent: number;
}

/** One organization's quota and usage, from the superuser organization list or the org view (docs/quay-api.md#organizations, docs/quay-api.md#quotas). */
export interface LiveOrganization {
  name: string;
  /** The namespace's quota (Quay keeps at most one); undefined when it has none. */
  quota?: { limitBytes: number; limits: LiveQuotaLimit[] } | undefined;
  /** `quota_report`; undefined when Quay sent none (quota management off). */
  usage?: { bytes: number; configuredBytes: number | null; backfill: string } | undefined;
}

export interface LiveRepository {
  name: string;
  /** NORMAL, READ_ONLY, MIRROR, ... (docs/quay-api.md#repositories). */
  state: string;
  /** The repository's `quota_report.quota_bytes`; null when Quay sent no quota report. */
  sizeBytes: number | null;
}

export interface LiveRobot {
  /** Full name `org+short`. */
  name: string;
  /** RFC 2822 dates as Quay writes them; null = not recorded. */
  created: string | null;
  lastAccessed: string | null;
}

/** A repository mirror's configuration and the worker's status fields (docs/quay-api.md#mirrors). */
export interface LiveMirror {
  repository: string;
  /** False when Quay has no mirror configuration for the repository (404). */
  found: boolean;
  isEnabled: boolean;
  syncStatus: string;
  syncIntervalSeconds: number;
  /** ISO 8601 as Quay writes it (`...Z`, maybe with microseconds); null after a cancelled run. */
  syncStartDate: string | null;
  syncExpirationDate: string | null;
  retriesRemaining: number;
  externalReference: string;
}

/** What was read for one tenant's organization. */
export interface LiveTenant {
  /** Undefined when the organization does not exist in Quay. */
  organization: LiveOrganization | undefined;
  repositories: LiveRepository[];
  robots: LiveRobot[];
  mirrors: LiveMirror[];
}

export interface LiveLab {
  quayUrl: string;
  /** When the reading started: the report's "now". */
  readAt: Date;
  /** By organization name. */
  tenants: ReadonlyMap<string, LiveTenant>;
  /** Organizations in Quay that no tenant file names. */
  otherOrganizations: LiveOrganization[];
  /** Requests the reading cost. */
  requests: { total: number; byRoute: Record<string, number> };
  notes: string[];
}

/** How Quay treats the next push (data/model/namespacequota.py check_limits at v3.18.0). */
export type QuotaStatus = "ok" | "warning" | "rejecting" | "no-quota" | "missing";

export interface QuotaReport {
  status: QuotaStatus;
  /** Bytes Quay counts for the namespace; null when the organization is not in Quay. */
  usedBytes: number | null;
  /** The configured quota (or the system default); null without one. */
  limitBytes: number | null;
  /** usedBytes / limitBytes · 100; null without a limit. */
  percent: number | null;
  /** The lowest Warning and Reject thresholds (percent of the limit); null when there is none. */
  warningPercent: number | null;
  rejectPercent: number | null;
  /** Every limit Quay holds, sorted by percent. */
  limits: LiveQuotaLimit[];
  /** `quota`: the namespace's own; `system-default`: DEFAULT_SYSTEM_REJECT_QUOTA_BYTES; `none`. */
  source: "quota" | "system-default" | "none";
  /** Quay's backfill status of the namespace's usage: only `complete` means the bytes are counted. */
  backfill: string;
  /** What the tenant file declares, when it declares a quota. */
  declared?: { limitBytes: number; limits: LiveQuotaLimit[] };
  /** The tenant file's quota is not what Quay holds (not applied yet, or drifted). */
  declaredDiffers: boolean;
}

export type MirrorStatus =
  | "ok"
  | "syncing"
  | "sync-requested"
  | "pending"
  | "failing"
  | "overdue"
  | "cancelled"
  | "disabled"
  | "missing";

export interface MirrorReport {
  repository: string;
  /** The tenant file declares this mirror. */
  declared: boolean;
  status: MirrorStatus;
  /** Quay's `sync_status`; null when Quay has no configuration. */
  syncStatus: string | null;
  intervalSeconds: number | null;
  /** The next scheduled sync (Quay's `sync_start_date`), ISO 8601 UTC seconds. */
  nextSync: string | null;
  /**
   * When the last successful sync ran, as far as Quay's fields tell: Quay keeps no finish time, and
   * after a success moves `sync_start_date` to the next interval boundary (release_mirror in
   * data/model/repo_mirror.py at v3.18.0), so the last success was within the interval before it.
   */
  lastSuccessAfter: string | null;
  externalReference: string | null;
  /** One line for a person. */
  text: string;
}

export type RobotStatus = "recent" | "stale" | "never";

export interface RobotReport {
  name: string;
  declared: boolean;
  /** ISO 8601 UTC; null = never (or not recorded by this Quay). */
  lastUsed: string | null;
  created: string | null;
  /** Whole days since the last use (or since creation when never used). */
  idleDays: number | null;
  status: RobotStatus;
  /** Unused for longer than the report's stale limit (never used counts from creation). */
  stale: boolean;
}

export type Severity = "problem" | "attention" | "info";

export interface Finding {
  severity: Severity;
  area: "quota" | "mirror" | "robot" | "drift" | "organization";
  text: string;
}

export interface TenantReport {
  tenant: string;
  file: string;
  contacts: string[];
  organization: string;
  inQuay: boolean;
  quota: QuotaReport;
  repositoryCount: number;
  /** The largest repositories by size, largest first (at most 5, only those holding bytes). */
  largestRepositories: { name: string; bytes: number }[];
  mirrors: MirrorReport[];
  robots: RobotReport[];
  /** One line from `quay-gitops drift --json`, when given. */
  drift?: string;
  /** Sorted: problems first. */
  findings: Finding[];
}

export interface LabReport {
  kind: "quay-gitops/report";
  version: 1;
  generatedAt: string;
  quayUrl: string;
  stack: string | null;
  staleRobotDays: number;
  tenants: TenantReport[];
  /** Organizations in Quay without a tenant file (their quota and usage only). */
  otherOrganizations: { organization: string; quota: QuotaReport }[];
  totals: {
    tenants: number;
    quota: Record<QuotaStatus, number>;
    mirrorsFailing: number;
    robotsStale: number;
  };
  /** When a drift report was given: its summary line. */
  drift: string | null;
  requests: { total: number; byRoute: Record<string, number> };
  notes: string[];
}
