import { QuayGitopsError } from "../src/errors";
import { notification as descriptor } from "../src/kinds/notification";
import { QUAY_NOTIFICATION_EVENTS, webhookUrlRefusal } from "../src/model/notifications";
import {
  createNotification,
  deleteNotification,
  listNotifications,
  type NotificationView,
  type NotificationWrite,
  requestEmailAuthorization,
} from "../src/quay/api/notifications";
import type { Context, Kind } from "./base";
import { type Failures, namespaceName, oneOf, repositoryName } from "./validate";

/**
 * A repository notification (docs/quay-api.md#notifications): on `event`, Quay calls a webhook,
 * posts to Slack, mails an address or notifies users in Quay.
 */
export interface NotificationInputs {
  namespace: string;
  repository: string;
  /** Quay's event name (`repo_push`, `vulnerability_found`, ...). */
  event: string;
  /** `webhook`, `slack`, `email` or `quay_notification`. */
  method: string;
  /** The method's config in Quay's keys, without a secret URL (that is `url`). */
  config: Record<string, unknown>;
  /** Quay's event config: `level` (vulnerability_found), `days` (repo_image_expiry), or `{}`. */
  eventConfig: Record<string, unknown>;
  title?: string;
  /**
   * A webhook or Slack URL that holds a token: sent as `config.url`, kept only encrypted in the
   * state and never taken from Quay's answer (which shows it to every repository admin).
   */
  url?: string;
  /** Where `url` comes from (`env:NAME`, `config:key`). */
  urlRef?: string;
}

export interface NotificationState extends NotificationInputs {
  uuid: string;
  /** Failed deliveries; Quay stops sending at 3 until the counter is reset. Not compared. */
  numberOfFailures?: number;
}

/** Quay's worker skips a notification with this many failed deliveries (util/notification.py). */
const FAILURE_CUTOFF = 3;

const REPLACE = "Quay cannot update a notification: a change deletes it and creates a new one";

/** What Quay is sent as `config`: the secret URL back in its place. */
function quayConfig(d: NotificationInputs): Record<string, unknown> {
  return d.url === undefined ? d.config : { ...d.config, url: d.url };
}

/** JSON with sorted keys: configs compare by content, not key order. */
function canonical(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(canonical).join(",")}]`;
  if (v && typeof v === "object")
    return `{${Object.keys(v)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${canonical((v as Record<string, unknown>)[k])}`)
      .join(",")}}`;
  return JSON.stringify(v ?? null);
}

/**
 * The method config as we compare it: Quay's UI stores the whole entity it picked as a
 * quay_notification target (`is_robot`, `avatar`, ...); only its kind and name matter.
 */
function configOf(method: string, config: Record<string, unknown>): Record<string, unknown> {
  if (method !== "quay_notification") return config;
  const t = config.target as { kind?: unknown; name?: unknown } | undefined;
  return { target: { kind: t?.kind, name: t?.name } };
}

/** `level` and `days` as numbers: Quay reads both with int(), and the old UI sent text. */
function eventConfigOf(event: string, c: Record<string, unknown>): Record<string, unknown> {
  const out = { ...c };
  for (const k of event === "vulnerability_found" ? ["level"] : event === "repo_image_expiry" ? ["days"] : [])
    if (typeof out[k] === "string" && /^\s*[+-]?\d+\s*$/.test(out[k] as string)) out[k] = Number(out[k]);
  return out;
}

/** Is this listed notification the one the inputs describe (adoption, a lost create)? */
export function sameNotification(v: NotificationView, d: NotificationInputs): boolean {
  return (
    v.event === d.event &&
    v.method === d.method &&
    (v.title ?? undefined) === d.title &&
    canonical(eventConfigOf(v.event, v.event_config ?? {})) === canonical(d.eventConfig) &&
    canonical(configOf(v.method, v.config ?? {})) === canonical(configOf(d.method, quayConfig(d)))
  );
}

/** The live notification in our terms. */
export function notificationOf(v: NotificationView, state: NotificationInputs): NotificationState {
  const config = configOf(v.method, { ...(v.config ?? {}) });
  // The secret stays what the state holds: Quay cannot change it in place anyway.
  if (state.url !== undefined) delete config.url;
  return {
    namespace: state.namespace,
    repository: state.repository,
    event: v.event,
    method: v.method,
    config,
    eventConfig: eventConfigOf(v.event, v.event_config ?? {}),
    ...(v.title !== null && v.title !== undefined ? { title: v.title } : {}),
    ...(state.url !== undefined ? { url: state.url } : {}),
    ...(state.urlRef !== undefined ? { urlRef: state.urlRef } : {}),
    uuid: v.uuid,
    numberOfFailures: v.number_of_failures,
  };
}

function body(d: NotificationInputs): NotificationWrite {
  return {
    event: d.event,
    method: d.method,
    config: quayConfig(d),
    eventConfig: d.eventConfig,
    ...(d.title !== undefined ? { title: d.title } : {}),
  };
}

/**
 * Quay mails only addresses confirmed for the repository: ask for the confirmation (Quay mails a
 * link) and stop with what to do, instead of Quay's refusal.
 */
async function ensureEmailAuthorized(c: Context, d: NotificationInputs): Promise<void> {
  const email = String(d.config.email ?? "");
  const auth = await requestEmailAuthorization(c.session, d.namespace, d.repository, email);
  // Without FEATURE_MAILING there is nothing to ask: Quay's own refusal follows.
  if (!auth || auth.confirmed) return;
  throw new QuayGitopsError(
    "QG_ERR_QUAY_RESPONSE",
    `${email} is not yet confirmed to receive notifications of ${d.namespace}/${d.repository}: Quay ${
      auth.requestedNow ? "has now mailed it" : "mailed it earlier"
    } a confirmation link; apply again once it was followed`,
  );
}

export const notification: Kind<NotificationInputs, NotificationState> = {
  info: descriptor,
  kind: descriptor.name,
  fields: ["namespace", "repository", "event", "method", "config", "eventConfig", "title", "url", "urlRef"],
  replaceOn: {
    namespace: "a notification belongs to one repository",
    repository: "a notification belongs to one repository",
    event: REPLACE,
    method: REPLACE,
    config: REPLACE,
    eventConfig: REPLACE,
    title: REPLACE,
    url: REPLACE,
  },
  secretFields: ["url"],
  validate(d) {
    const f: Failures = [];
    namespaceName(f, "namespace", d.namespace);
    repositoryName(f, "repository", d.repository);
    oneOf(f, "event", d.event, QUAY_NOTIFICATION_EVENTS);
    oneOf(f, "method", d.method, ["webhook", "slack", "email", "quay_notification"]);
    const config = d.config ?? {};
    const url = d.url ?? config.url;
    if ((d.method === "webhook" || d.method === "slack") && (typeof url !== "string" || url === ""))
      f.push(["config", `${d.method} needs a URL (docs/quay-api.md#notifications)`]);
    else if (d.method === "webhook") {
      // The URL itself is not named: it may come from a secret (urlFrom).
      const refused = webhookUrlRefusal(String(url));
      if (refused)
        f.push([d.url !== undefined ? "url" : "config", `${refused.message} ("Invalid webhook URL")`]);
    }
    if (d.url !== undefined && config.url !== undefined)
      f.push(["url", "the URL is either secret (url) or in config, not both"]);
    if (d.method === "email" && (typeof config.email !== "string" || config.email === ""))
      f.push(["config", "email needs config.email"]);
    if (d.method === "quay_notification") {
      const t = config.target as { kind?: unknown; name?: unknown } | undefined;
      if (!t || !["user", "team", "org"].includes(String(t.kind)) || typeof t.name !== "string")
        f.push(["config", "quay_notification needs config.target {kind: user|team|org, name}"]);
      else if (t.kind === "org" && t.name !== d.namespace)
        f.push(["config", "an org target must be the repository's own organization"]);
    }
    const level = d.eventConfig?.level;
    if (level !== undefined && !(Number.isInteger(level) && (level as number) >= 0 && (level as number) <= 5))
      f.push(["eventConfig", "level is a severity index 0 (Critical) to 5 (Unknown)"]);
    const days = d.eventConfig?.days;
    if (days !== undefined && !(Number.isInteger(days) && (days as number) > 0))
      f.push(["eventConfig", "days is a whole number > 0"]);
    return f;
  },
  id: (d, live) => live?.uuid ?? `${d.namespace}/${d.repository}:${d.event}:${d.method}`,

  async create(c, d) {
    const existing = (await listNotifications(c.session, d.namespace, d.repository)).find((v) =>
      sameNotification(v, d),
    );
    if (existing) {
      c.log.info(`adopted existing notification ${existing.uuid} of ${d.namespace}/${d.repository}`);
      return { ...d, uuid: existing.uuid, numberOfFailures: existing.number_of_failures };
    }
    if (d.method === "email") await ensureEmailAuthorized(c, d);
    const created = await createNotification(c.session, d.namespace, d.repository, body(d), (v) =>
      sameNotification(v, d),
    );
    return { ...d, uuid: created.uuid, numberOfFailures: created.number_of_failures };
  },

  async read(c, _id, state) {
    const v = (await listNotifications(c.session, state.namespace, state.repository)).find(
      (x) => x.uuid === state.uuid,
    );
    if (!v) return undefined;
    if (v.number_of_failures >= FAILURE_CUTOFF)
      c.log.warn(
        `the ${v.event} notification ${v.uuid} of ${state.namespace}/${state.repository} failed ${v.number_of_failures} deliveries: Quay sends it no more until its counter is reset (POST .../notification/${v.uuid})`,
      );
    return notificationOf(v, state);
  },

  async update(_c, _id, state, d) {
    // Only the secret's reference can change in place (every other field replaces): nothing to send.
    return {
      ...d,
      uuid: state.uuid,
      ...(state.numberOfFailures !== undefined ? { numberOfFailures: state.numberOfFailures } : {}),
    };
  },

  async delete(c, _id, state) {
    if ((await deleteNotification(c.session, state.namespace, state.repository, state.uuid)) === "gone")
      c.log.info(`notification ${state.uuid} of ${state.namespace}/${state.repository} was gone already`);
  },
};
