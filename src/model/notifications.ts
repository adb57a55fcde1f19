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

/**
 * The hosts every Quay refuses a webhook to (quay v3.18.0 notifications/notificationmethod.py
 * HOSTNAME_BLACKLIST); a lab's WEBHOOK_HOSTNAME_BLACKLIST adds its own.
 */
export const WEBHOOK_REFUSED_HOSTS: readonly string[] = ["localhost", "127.0.0.1"];

/**
 * Why Quay refuses this webhook URL ("Invalid webhook URL"), read as its `validate` reads it, with
 * Python's urlparse: the scheme (lower-cased) must be http or https, and the host name (lower-cased,
 * without user, port or IPv6 brackets) must not be a refused one (`host` is then set); undefined when
 * Quay takes it. Quay resolves nothing and has no other address rule (observed on Quay 3.18.0,
 * docs/quay-api.md#notifications): a name no DNS knows, `127.0.0.2`, `localhost.`, `[::1]`, private
 * and link-local addresses all pass.
 */
export function webhookUrlRefusal(url: string): { message: string; host?: string } | undefined {
  const m = /^([A-Za-z][A-Za-z0-9+.-]*):([\s\S]*)$/.exec(url);
  const scheme = m?.[1]?.toLowerCase();
  if (scheme !== "http" && scheme !== "https")
    return { message: "Quay takes only http and https webhook URLs" };
  const rest = m?.[2] ?? "";
  const netloc = rest.startsWith("//") ? (rest.slice(2).split(/[/?#]/, 1)[0] ?? "") : "";
  const hostPort = netloc.slice(netloc.lastIndexOf("@") + 1);
  const close = hostPort.indexOf("]");
  const host = (
    hostPort.startsWith("[")
      ? hostPort.slice(1, close === -1 ? undefined : close)
      : (hostPort.split(":", 1)[0] ?? "")
  ).toLowerCase();
  if (host === "") return { message: "the webhook URL has no host" };
  if (WEBHOOK_REFUSED_HOSTS.includes(host)) return { message: `Quay refuses webhooks to ${host}`, host };
  return undefined;
}
