import { randomBytes, randomUUID } from "node:crypto";
import { body, type Ctx, created, log, noContent, ok, param, type Reply } from "../context";
import { DataModelError, internalError, invalidRequest, MessageError, notFound, WERKZEUG } from "../errors";
import type { AuthorizedEmail, RepoNotification, Repository } from "../state";
import { requireRepo } from "./repositories";
import { apiRoute, gates } from "./shared";

/**
 * Repository notifications and the e-mail authorizations their `email` method needs
 * (docs/quay-api.md#notifications; quay v3.18.0 endpoints/api/repositorynotification.py,
 * endpoints/api/repoemail.py, notifications/notificationmethod.py).
 */

const CREATE_NOTIFICATION = {
  type: "object",
  required: ["event", "method", "config", "eventConfig"],
  properties: {
    event: { type: "string" },
    method: { type: "string" },
    config: { type: "object" },
    eventConfig: { type: "object" },
    title: { type: "string" },
  },
};

/** ExternalNotificationEvent rows created by initdb. */
const EVENTS = new Set([
  "repo_push",
  "build_queued",
  "build_start",
  "build_success",
  "build_cancelled",
  "build_failure",
  "vulnerability_found",
  "repo_mirror_sync_started",
  "repo_mirror_sync_success",
  "repo_mirror_sync_failed",
  "repo_image_expiry",
  "quota_warning",
  "quota_error",
]);

/**
 * What WebhookMethod.validate reads of `urlparse(url)`: the scheme (lower-cased) and the hostname
 * (lower-cased, without user info, port or IPv6 brackets; None without a network location).
 */
export function urlparse(url: string): { scheme: string; hostname: string | undefined } {
  const m = /^([A-Za-z][A-Za-z0-9+.-]*):([\s\S]*)$/.exec(url);
  if (!m) return { scheme: "", hostname: undefined };
  const scheme = (m[1] as string).toLowerCase();
  const rest = m[2] as string;
  if (!rest.startsWith("//")) return { scheme, hostname: undefined };
  const netloc = rest.slice(2).split(/[/?#]/, 1)[0] ?? "";
  const hostPort = netloc.slice(netloc.lastIndexOf("@") + 1);
  const host = hostPort.startsWith("[")
    ? hostPort.slice(1, hostPort.indexOf("]") === -1 ? undefined : hostPort.indexOf("]"))
    : (hostPort.split(":", 1)[0] ?? "");
  return { scheme, hostname: host === "" ? undefined : host.toLowerCase() };
}

/**
 * util/jsontemplate.JSONTemplate: the template is JSON text whose strings may hold `${jsonpath}`
 * placeholders, checked by applying it to `{}`. jsonpath_rw's own syntax errors are not reproduced.
 */
function checkTemplate(template: unknown): void {
  // json.loads of anything but text raises TypeError, which nothing catches.
  if (typeof template !== "string") throw internalError("TypeError: the JSON object must be str");
  let parsed: unknown;
  try {
    parsed = JSON.parse(template);
  } catch (e) {
    throw invalidRequest(`Could not parse template: ${(e as Error).message}`);
  }
  const visit = (v: unknown): void => {
    if (typeof v === "string") {
      for (const m of v.matchAll(/\$\{([^}]*)\}/g)) {
        if (m[1] === "") throw invalidRequest("Empty expression found");
      }
    } else if (Array.isArray(v)) v.forEach(visit);
    else if (v && typeof v === "object") {
      for (const [k, x] of Object.entries(v)) {
        visit(k);
        visit(x);
      }
    }
  };
  visit(parsed);
}

function authorizedEmail(ctx: Ctx, repo: Repository | undefined, email: string): AuthorizedEmail | undefined {
  if (!repo) return undefined;
  for (const e of ctx.store.authorizedEmails.values())
    if (e.repoId === repo.id && e.email === email) return e;
  return undefined;
}

/** NotificationMethod.validate for each method; an unknown method raises a non-model error (500). */
function validateMethod(
  ctx: Ctx,
  namespace: string,
  repoName: string,
  method: string,
  config: Record<string, unknown>,
): void {
  const fail = (message: string) => invalidRequest(message);
  switch (method) {
    case "webhook": {
      const url = typeof config.url === "string" ? config.url : config.url ? String(config.url) : "";
      if (!url) throw fail("Missing webhook URL");
      const parsed = urlparse(url);
      if (parsed.scheme !== "https" && parsed.scheme !== "http") throw fail("Invalid webhook URL");
      // `parsed.hostname.lower()` on None.
      if (parsed.hostname === undefined)
        throw internalError("AttributeError: 'NoneType' object has no attribute 'lower'");
      const blacklist = ["localhost", "127.0.0.1", ...ctx.config.webhookHostnameBlacklist];
      if (blacklist.includes(parsed.hostname)) throw fail("Invalid webhook URL");
      if (config.template) checkTemplate(config.template);
      return;
    }
    case "email": {
      if (!config.email) throw fail("Missing e-mail address");
      const record = authorizedEmail(ctx, ctx.store.repo(namespace, repoName), String(config.email));
      if (!record?.confirmed)
        throw fail(
          "The specified e-mail address is not authorized to receive notifications for this repository",
        );
      return;
    }
    case "slack":
      if (!config.url) throw fail("Missing Slack Callback URL");
      return;
    case "flowdock":
      if (!config.flow_api_token) throw fail("Missing Flowdock API Token");
      return;
    case "hipchat":
      if (!config.notification_token) throw fail("Missing Hipchat Room Notification Token");
      if (!config.room_id) throw fail("Missing Hipchat Room ID");
      return;
    case "quay_notification": {
      const target = config.target as { kind?: unknown; name?: unknown } | undefined;
      if (!target || typeof target !== "object" || !target.kind) throw fail("Missing target");
      const { store } = ctx;
      const name = target.name === undefined || target.name === null ? "None" : String(target.name);
      if (target.kind === "user") {
        // get_nonrobot_user: robots and organizations are not users here.
        if (!store.user(name)) throw fail(`Unknown user ${name}`);
      } else if (target.kind === "org") {
        if (!store.org(name)) throw fail(`Unknown organization ${name}`);
        // find_targets returns a 2-tuple here; the 3-way unpacking raises ValueError: a 500.
        if (name !== namespace) throw internalError("ValueError: not enough values to unpack");
      } else if (target.kind === "team") {
        const org = store.org(namespace);
        if (!org || !store.team(org.id, name)) throw fail(`Unknown team ${name}`);
      } else {
        // find_targets falls through and returns None, which validate unpacks.
        throw internalError("TypeError: cannot unpack non-iterable NoneType object");
      }
      return;
    }
    default:
      throw internalError(`InvalidNotificationMethodException: Unable to find method: ${method}`);
  }
}

function view(n: RepoNotification): unknown {
  return {
    uuid: n.uuid,
    title: n.title,
    event: n.event,
    method: n.method,
    config: n.config,
    // Sent as `eventConfig`, returned as `event_config` (docs/quay-api.md#notifications).
    event_config: n.eventConfig,
    number_of_failures: n.failures,
  };
}

function repoNotifications(ctx: Ctx, repo: Repository | undefined): RepoNotification[] {
  if (!repo) return [];
  return [...ctx.store.notifications.values()]
    .filter((n) => n.repoId === repo.id)
    .sort((a, b) => a.id - b.id);
}

function createNotification(ctx: Ctx): Reply {
  const { namespace, name } = requireRepo(ctx, 3);
  const data = body<{
    event: string;
    method: string;
    config: Record<string, unknown>;
    eventConfig: Record<string, unknown>;
    title?: string;
  }>(ctx, CREATE_NOTIFICATION);
  validateMethod(ctx, namespace, name, data.method, data.config);
  const repo = ctx.store.repo(namespace, name);
  if (!repo) throw internalError("Repository.DoesNotExist");
  // ExternalNotificationEvent.get(name=...) for an unknown event: DoesNotExist, a 500.
  if (!EVENTS.has(data.event)) throw internalError(`ExternalNotificationEvent.DoesNotExist: ${data.event}`);
  // No duplicate detection.
  const n: RepoNotification = {
    id: ctx.store.newId(),
    uuid: randomUUID(),
    repoId: repo.id,
    title: data.title ?? null,
    event: data.event,
    method: data.method,
    config: data.config,
    eventConfig: data.eventConfig,
    failures: 0,
  };
  ctx.store.notifications.set(n.id, n);
  log(
    ctx,
    "add_repo_notification",
    namespace,
    { repo: name, namespace, notification_id: n.uuid, event: n.event, method: n.method },
    repo,
  );
  return created(view(n));
}

function listNotifications(ctx: Ctx): Reply {
  const { namespace, name } = requireRepo(ctx, 3, true);
  // A missing repository lists nothing.
  return ok({ notifications: repoNotifications(ctx, ctx.store.repo(namespace, name)).map(view) });
}

function byUuid(ctx: Ctx): RepoNotification | undefined {
  const uuid = param(ctx, "uuid");
  for (const n of ctx.store.notifications.values()) if (n.uuid === uuid) return n;
  return undefined;
}

function getNotification(ctx: Ctx): Reply {
  requireRepo(ctx, 3, true);
  // Looked up by uuid alone, whatever repository the path names.
  const n = byUuid(ctx);
  if (!n) throw notFound();
  return ok(view(n));
}

const notFoundFor = (ctx: Ctx, namespace: string, name: string) =>
  invalidRequest(`No repository notification found for: ${namespace}, ${name}, ${param(ctx, "uuid")}`);

function inRepo(ctx: Ctx, n: RepoNotification, namespace: string, name: string): boolean {
  const repo = ctx.store.repos.get(n.repoId);
  return (
    repo !== undefined &&
    repo.name === name &&
    ctx.store.accounts.get(repo.namespaceId)?.username === namespace
  );
}

function deleteNotification(ctx: Ctx): Reply {
  const { namespace, name } = requireRepo(ctx, 3);
  const n = byUuid(ctx);
  // Another repository's notification is "not found" too (the model's exception is caught).
  if (!n || !inRepo(ctx, n, namespace, name)) throw notFoundFor(ctx, namespace, name);
  ctx.store.notifications.delete(n.id);
  log(
    ctx,
    "delete_repo_notification",
    namespace,
    { repo: name, namespace, notification_id: n.uuid, event: n.event, method: n.method },
    ctx.store.repo(namespace, name),
  );
  return noContent();
}

function resetNotification(ctx: Ctx): Reply {
  const { namespace, name } = requireRepo(ctx, 3);
  const n = byUuid(ctx);
  if (!n) throw notFoundFor(ctx, namespace, name);
  // reset_notification_number_of_failures raises for another repository's uuid, and nothing catches it.
  if (!inRepo(ctx, n, namespace, name))
    throw new DataModelError(`No repository notification found with uuid: ${n.uuid}`);
  n.failures = 0;
  log(
    ctx,
    "reset_repo_notification",
    namespace,
    { repo: name, namespace, notification_id: n.uuid, event: n.event, method: n.method },
    ctx.store.repo(namespace, name),
  );
  return noContent();
}

function testNotification(ctx: Ctx): Reply {
  const { namespace, name } = requireRepo(ctx, 3);
  // queue_test_notification looks the uuid up globally; nothing is delivered by the emulator.
  if (byUuid(ctx)) return ok({});
  throw notFoundFor(ctx, namespace, name);
}

// --- e-mail authorizations (endpoints/api/repoemail.py: internal, FEATURE_MAILING) ----------------

const emailView = (ctx: Ctx, e: AuthorizedEmail): unknown => {
  const repo = ctx.store.repos.get(e.repoId);
  return {
    email: e.email,
    repository: repo?.name,
    namespace: repo ? ctx.store.accounts.get(repo.namespaceId)?.username : undefined,
    confirmed: e.confirmed,
  };
};

function checkEmail(ctx: Ctx): Reply {
  const { namespace, name } = requireRepo(ctx, 3, true);
  const record = authorizedEmail(ctx, ctx.store.repo(namespace, name), param(ctx, "email"));
  if (!record) throw new MessageError(404, WERKZEUG.notFound);
  return ok(emailView(ctx, record));
}

/** Starts the authorization: Quay mails a confirmation link (`/_emulator/email/confirm` follows it here). */
function authorizeEmail(ctx: Ctx): Reply {
  const { namespace, name } = requireRepo(ctx, 3);
  const email = param(ctx, "email");
  const repo = ctx.store.repo(namespace, name);
  let record = authorizedEmail(ctx, repo, email);
  if (record?.confirmed) return ok(emailView(ctx, record));
  if (!record) {
    if (!repo) throw new DataModelError(`Invalid repository ${namespace}/${name}`);
    record = {
      id: ctx.store.newId(),
      repoId: repo.id,
      email,
      confirmed: false,
      code: randomBytes(16).toString("hex"),
    };
    ctx.store.authorizedEmails.set(record.id, record);
  }
  return ok(emailView(ctx, record));
}

export const notificationRoutes = [
  apiRoute("/api/v1/repository/{repository:repo}/notification/", {
    GET: listNotifications,
    POST: createNotification,
  }),
  apiRoute("/api/v1/repository/{repository:repo}/notification/{uuid}", {
    GET: getNotification,
    DELETE: deleteNotification,
    POST: resetNotification,
  }),
  apiRoute("/api/v1/repository/{repository:repo}/notification/{uuid}/test", { POST: testNotification }),
  {
    ...apiRoute(
      "/api/v1/repository/{repository:repo}/authorizedemail/{email}",
      { GET: checkEmail, POST: authorizeEmail },
      { enabled: gates.mailing },
    ),
    internal: true,
  },
];
