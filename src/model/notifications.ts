/**
 * Quay's vocabulary for repository notifications (docs/quay-api.md#notifications), shared by the
 * tenant format, the normalization and the provider. Pure data.
 */

/** The events a tenant file may use: what a lab needs of the `ExternalNotificationEvent` rows. */
export const NOTIFICATION_EVENTS = [
  "repo_push",
  "repo_mirror_sync_started",
  "repo_mirror_sync_success",
  "repo_mirror_sync_failed",
  "vulnerability_found",
  "repo_image_expiry",
] as const;
export type NotificationEvent = (typeof NOTIFICATION_EVENTS)[number];

/** Every event Quay 3.18.0 knows; an unknown one is an HTML 500. */
export const QUAY_NOTIFICATION_EVENTS: readonly string[] = [
  ...NOTIFICATION_EVENTS,
  "build_queued",
  "build_start",
  "build_success",
  "build_cancelled",
  "build_failure",
  "quota_warning",
  "quota_error",
];

/** The methods a tenant file may use (Flowdock and HipChat are gone). */
export const NOTIFICATION_METHODS = ["webhook", "slack", "email", "quay_notification"] as const;
export type NotificationMethod = (typeof NOTIFICATION_METHODS)[number];

/**
 * `vulnerability_found`'s minimum severity: Quay stores the index of util/secscan PRIORITY_LEVELS as
 * `eventConfig.level`, and fires for vulnerabilities whose index is at most that.
 */
export const SEVERITY_LEVELS = {
  Critical: 0,
  High: 1,
  Medium: 2,
  Low: 3,
  Negligible: 4,
  Unknown: 5,
} as const;
export type Severity = keyof typeof SEVERITY_LEVELS;
export const SEVERITIES = Object.keys(SEVERITY_LEVELS) as Severity[];
