import { randomUUID } from "node:crypto";
import { body, type Ctx, created, log, noContent, ok, param, type Reply } from "../context";
import { internalError, invalidRequest, notFound } from "../errors";
import type { RepoNotification, Repository } from "../state";
import { requireRepo } from "./repositories";
import { apiRoute } from "./shared";

/** Repository notifications (QUAY-API.md §15). */

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

/** NotificationMethod.validate for each method; an unknown method raises a non-model error (500). */
function validateMethod(ctx: Ctx, namespace: string, method: string, config: Record<string, unknown>): void {
  const fail = (message: string) => invalidRequest(message);
  switch (method) {
    case "webhook": {
      const url = typeof config.url === "string" ? config.url : "";
      if (!url) throw fail("Missing webhook URL");
      let parsed: URL;
      try {
        parsed = new URL(url);
      } catch {
        throw fail("Invalid webhook URL");
      }
      if (parsed.protocol !== "https:" && parsed.protocol !== "http:") throw fail("Invalid webhook URL");
      const host = parsed.hostname.replace(/^\[|\]$/g, "").toLowerCase();
      if (host === "localhost" || host === "127.0.0.1") throw fail("Invalid webhook URL");
      return;
    }
    case "email": {
      if (!config.email) throw fail("Missing e-mail address");
      // The address must have been confirmed through the authorized-email flow, which the emulator
      // does not have: no address is ever authorized.
      throw fail(
        "The specified e-mail address is not authorized to receive notifications for this repository",
      );
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
      const target = config.target as { kind?: string; name?: string } | undefined;
      if (!target?.kind) throw fail("Missing target");
      const { store } = ctx;
      if (target.kind === "user") {
        if (!store.user(String(target.name))) throw fail(`Unknown user ${target.name}`);
      } else if (target.kind === "org") {
        if (!store.org(String(target.name))) throw fail(`Unknown organization ${target.name}`);
        // find_targets returns a 2-tuple here; the 3-way unpacking raises ValueError: a 500.
        if (target.name !== namespace) throw internalError("ValueError: not enough values to unpack");
      } else if (target.kind === "team") {
        const org = store.org(namespace);
        if (!org || !store.team(org.id, String(target.name))) throw fail(`Unknown team ${target.name}`);
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
    // Sent as `eventConfig`, returned as `event_config` (§15, §19).
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
  validateMethod(ctx, namespace, data.method, data.config);
  const repo = ctx.store.repo(namespace, name);
  if (!repo) throw internalError("Repository.DoesNotExist");
  // ExternalNotificationEvent.get(name=...) for an unknown event: DoesNotExist, a 500 (§15, §21).
  if (!EVENTS.has(data.event)) throw internalError(`ExternalNotificationEvent.DoesNotExist: ${data.event}`);
  // No duplicate detection (§15).
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
  // A missing repository lists nothing (§21).
  return ok({ notifications: repoNotifications(ctx, ctx.store.repo(namespace, name)).map(view) });
}

function getNotification(ctx: Ctx): Reply {
  requireRepo(ctx, 3, true);
  // Looked up by uuid alone, whatever repository the path names (§19).
  const uuid = param(ctx, "uuid");
  for (const n of ctx.store.notifications.values()) if (n.uuid === uuid) return ok(view(n));
  throw notFound();
}

function findInRepo(ctx: Ctx, namespace: string, name: string): RepoNotification {
  const uuid = param(ctx, "uuid");
  const n = repoNotifications(ctx, ctx.store.repo(namespace, name)).find((x) => x.uuid === uuid);
  if (!n) throw invalidRequest(`No repository notification found for: ${namespace}, ${name}, ${uuid}`);
  return n;
}

function deleteNotification(ctx: Ctx): Reply {
  const { namespace, name } = requireRepo(ctx, 3);
  const n = findInRepo(ctx, namespace, name);
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
  const n = findInRepo(ctx, namespace, name);
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
  const uuid = param(ctx, "uuid");
  for (const n of ctx.store.notifications.values()) if (n.uuid === uuid) return ok({});
  throw invalidRequest(`No repository notification found for: ${namespace}, ${name}, ${uuid}`);
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
];
