import { isQuayApiError } from "../errors";
import { apiPath, repo } from "../paths";
import { dataOf, orgScope, type QuaySession } from "./session";

/** A repository notification as Quay shows it (docs/quay-api.md#notifications). */
export interface NotificationView {
  uuid: string;
  title: string | null;
  event: string;
  method: string;
  config: Record<string, unknown>;
  /** Sent as `eventConfig`, answered as `event_config`. */
  event_config: Record<string, unknown>;
  number_of_failures: number;
}

export interface NotificationWrite {
  event: string;
  method: string;
  config: Record<string, unknown>;
  eventConfig: Record<string, unknown>;
  title?: string;
}

const base = (namespace: string, name: string) =>
  apiPath`/api/v1/repository/${repo(namespace, name)}/notification/`;

/**
 * A repository's notifications, one request per repository and run (the session's cache); a missing
 * repository lists none.
 */
export async function listNotifications(
  s: QuaySession,
  namespace: string,
  name: string,
): Promise<NotificationView[]> {
  const r = await s.get<{ notifications: NotificationView[] }>(base(namespace, name), {
    scope: orgScope(namespace),
  });
  return r?.notifications ?? [];
}

/**
 * Quay has no duplicate detection for notifications: a create whose answer was lost is looked for
 * (`same`) before it is sent again, and found afterwards.
 */
export async function createNotification(
  s: QuaySession,
  namespace: string,
  name: string,
  body: NotificationWrite,
  same: (v: NotificationView) => boolean,
): Promise<NotificationView> {
  const find = async () => {
    s.invalidate(orgScope(namespace));
    return (await listNotifications(s, namespace, name)).find(same);
  };
  const r = await s.write<NotificationView>("POST", base(namespace, name), {
    scope: orgScope(namespace),
    body,
    landed: async () => (await find()) !== undefined,
  });
  const created = dataOf(r);
  if (created?.uuid) return created;
  const found = await find();
  if (!found) throw new Error(`the notification of ${namespace}/${name} was created but is not listed`);
  return found;
}

/** Delete; an unknown uuid answers 400, which here means it is gone already. */
export async function deleteNotification(
  s: QuaySession,
  namespace: string,
  name: string,
  uuid: string,
): Promise<"deleted" | "gone"> {
  try {
    await s.write("DELETE", `${base(namespace, name)}${encodeURIComponent(uuid)}`, {
      scope: orgScope(namespace),
    });
    return "deleted";
  } catch (e) {
    if (isQuayApiError(e) && !e.unrouted && (e.status === 400 || e.status === 404)) return "gone";
    throw e;
  }
}

/**
 * Whether an address may receive a repository's `email` notifications, and asks for it when not:
 * Quay then mails the address a confirmation link. Undefined where the registry has no such endpoint
 * (FEATURE_MAILING off).
 */
export async function requestEmailAuthorization(
  s: QuaySession,
  namespace: string,
  name: string,
  email: string,
): Promise<{ confirmed: boolean; requestedNow: boolean } | undefined> {
  const path = apiPath`/api/v1/repository/${repo(namespace, name)}/authorizedemail/${email}`;
  try {
    const known = await s.get<{ confirmed: boolean }>(path, {
      scope: orgScope(namespace),
      notFound: "undefined",
    });
    if (known) return { confirmed: known.confirmed === true, requestedNow: false };
    const r = await s.write<{ confirmed: boolean }>("POST", path, {
      scope: orgScope(namespace),
      idempotent: true,
    });
    return { confirmed: dataOf(r)?.confirmed === true, requestedNow: true };
  } catch (e) {
    // Without mailing the path falls to the repository route (405), or to the web UI.
    if (isQuayApiError(e) && (e.unrouted || e.status === 405)) return undefined;
    throw e;
  }
}
