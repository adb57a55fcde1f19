import { apiPath } from "../paths";
import { isNotFound, type QuaySession, USERS_SCOPE } from "./session";

/** Superuser user view (docs/quay-api.md#users). */
export interface UserView {
  kind: "user";
  name: string;
  username: string;
  email: string;
  verified: boolean;
  super_user: boolean;
  enabled: boolean;
}

/**
 * All users, once per run (the superuser list is unpaginated without `limit`, docs/quay-api.md#users), so a
 * refresh of N users costs one request.
 */
export async function listUsers(s: QuaySession): Promise<Map<string, UserView>> {
  const r = await s.get<{ users: UserView[] }>("/api/v1/superuser/users/", { scope: USERS_SCOPE });
  return new Map((r?.users ?? []).map((u) => [u.username, u]));
}

export async function getUser(s: QuaySession, name: string): Promise<UserView | undefined> {
  return (await listUsers(s)).get(name);
}

export async function createUser(s: QuaySession, name: string, email: string | undefined): Promise<void> {
  // The response carries a generated password (docs/quay-api.md#users): it is dropped here and never stored.
  await s.write("POST", "/api/v1/superuser/users/", {
    scope: USERS_SCOPE,
    body: email ? { username: name, email } : { username: name },
    landed: async () =>
      (await s.fresh<UserView>(apiPath`/api/v1/superuser/users/${name}`, {
        scope: USERS_SCOPE,
        notFound: "undefined",
      })) !== undefined,
  });
}

export async function updateUserEmail(s: QuaySession, name: string, email: string): Promise<void> {
  await s.write("PUT", apiPath`/api/v1/superuser/users/${name}`, { scope: USERS_SCOPE, body: { email } });
}

export async function deleteUser(s: QuaySession, name: string): Promise<void> {
  try {
    await s.write("DELETE", apiPath`/api/v1/superuser/users/${name}`, { scope: USERS_SCOPE });
  } catch (e) {
    if (!isNotFound(e)) throw e;
  }
}
