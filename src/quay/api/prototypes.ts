import { apiPath } from "../paths";
import { isNotFound, orgScope, type QuaySession } from "./session";

/** Default permission (prototype) view (docs/quay-api.md#default-permissions). */
export interface PrototypeView {
  id: string;
  role: "read" | "write" | "admin";
  activating_user: { name: string } | null;
  delegate: { name: string; kind: "user" | "team"; is_robot?: boolean };
}

export async function listPrototypes(s: QuaySession, org: string): Promise<PrototypeView[]> {
  const r = await s.get<{ prototypes: PrototypeView[] }>(apiPath`/api/v1/organization/${org}/prototypes`, {
    scope: orgScope(org),
    notFound: "undefined",
  });
  return r?.prototypes ?? [];
}

export interface PrototypeKey {
  delegate: { kind: "user" | "team"; name: string };
  activatingUser: string | undefined;
}

export const samePrototype = (p: PrototypeView, k: PrototypeKey): boolean =>
  p.delegate.kind === k.delegate.kind &&
  p.delegate.name === k.delegate.name &&
  (p.activating_user?.name ?? undefined) === k.activatingUser;

/**
 * Quay keeps duplicate prototypes (POST never dedupes, docs/quay-api.md#default-permissions), so a lost create must not be sent
 * again when it landed: the landed() check looks for the same delegate and activating user.
 */
export async function createPrototype(
  s: QuaySession,
  org: string,
  key: PrototypeKey,
  role: string,
): Promise<PrototypeView | undefined> {
  const body: Record<string, unknown> = { role, delegate: key.delegate };
  if (key.activatingUser) body.activating_user = { name: key.activatingUser };
  const r = await s.write<PrototypeView>("POST", apiPath`/api/v1/organization/${org}/prototypes`, {
    scope: orgScope(org),
    body,
    landed: async () => {
      s.invalidate(orgScope(org));
      return (await listPrototypes(s, org)).some((p) => samePrototype(p, key));
    },
  });
  if (!r.landed) return r.data;
  return (await listPrototypes(s, org)).find((p) => samePrototype(p, key));
}

export async function setPrototypeRole(s: QuaySession, org: string, id: string, role: string): Promise<void> {
  await s.write("PUT", apiPath`/api/v1/organization/${org}/prototypes/${id}`, {
    scope: orgScope(org),
    body: { role },
  });
}

export async function deletePrototype(s: QuaySession, org: string, id: string): Promise<void> {
  try {
    await s.write("DELETE", apiPath`/api/v1/organization/${org}/prototypes/${id}`, { scope: orgScope(org) });
  } catch (e) {
    if (!isNotFound(e)) throw e;
  }
}
