import { apiPath, repo } from "../paths";
import { orgScope, type QuaySession } from "./session";

/**
 * A repository notification as the export keeps it (docs/quay-api.md#notifications): what fires it
 * and where it goes. Its `config` (a webhook URL, an e-mail address, a Slack URL) may hold a secret
 * and is never kept.
 */
export interface NotificationSummary {
  uuid: string;
  title: string | null;
  event: string;
  method: string;
}

/** `GET .../notification/` (`repo:admin`); a missing repository answers an empty list. */
export async function listNotifications(
  s: QuaySession,
  namespace: string,
  name: string,
): Promise<NotificationSummary[]> {
  const r = await s.get<{ notifications: (NotificationSummary & Record<string, unknown>)[] }>(
    apiPath`/api/v1/repository/${repo(namespace, name)}/notification/`,
    { scope: orgScope(namespace), notFound: "undefined" },
  );
  return (r?.notifications ?? []).map((n) => ({
    uuid: n.uuid,
    title: n.title ?? null,
    event: n.event,
    method: n.method,
  }));
}
