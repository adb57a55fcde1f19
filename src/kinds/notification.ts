import type { NotificationModel } from "../model/types";
import { list, md, plural, str } from "./support";
import type { AuditEntry, KindInfo } from "./types";

/**
 * What names a notification (it has no name in Quay): its repository, event, method and title, which
 * the tenant rules keep unique per repository. Its config is not part of the name, so a changed config
 * shows as a replacement of the same notification.
 */
const resourceName = (org: string, repo: string, n: Pick<NotificationModel, "event" | "method" | "title">) =>
  `${org}/${repo}/notification/${n.event}/${n.method}${n.title !== undefined ? `/${n.title}` : ""}`;

/** A repository notification: a webhook, Slack, e-mail or Quay notification on an event (docs/quay-api.md#notifications). */
export const notification = {
  name: "RepositoryNotification",
  words: { one: "notification", many: "notifications" },
  schema: ["spec.notifications[]", "spec.repositories[].notifications[]"],
  emulator: "notifications",
  // quay v3.18.0 endpoints/api/repositorynotification.py: require_repo_admin, also to list them.
  rights: () => [{ right: "repoAdmin", what: "notifications" }],
  resourceName,
  objects: (t) =>
    t.repositories.flatMap((r) => r.notifications.map((n) => resourceName(t.organization.name, r.name, n))),
  audit(log, id, org) {
    const repo = str(id.repository);
    if (!org || !repo) return;
    const event = str(id.event);
    const method = str(id.method);
    // Both entries name the repository, the event and the method (endpoints/api/repositorynotification.py).
    log.object(
      { org },
      ["add_repo_notification", "delete_repo_notification"],
      (e: AuditEntry) =>
        md(e, "repo") === repo &&
        (event === undefined || md(e, "event") === event) &&
        (method === undefined || md(e, "method") === method),
    );
  },
  warnings: {
    replace: (_c, why) => ({
      code: "NOTIFICATION_REPLACED",
      grouped: true,
      message: (n) =>
        `${plural(n, "notification", "notifications")} ${list(n)} will be deleted and created anew${why}: Quay cannot change a notification, the new one gets a new id and a zero failure count`,
    }),
  },
  replaceLosesNothing:
    "a notification holds no data: the new one differs only in its id and its failure count, which starts again at 0",
  // A webhook or Slack URL with its token: an input, stored encrypted, never read back from Quay.
  secretOutputs: ["url"],
} satisfies KindInfo<"RepositoryNotification">;
