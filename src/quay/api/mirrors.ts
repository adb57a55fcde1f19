import { isQuayApiError } from "../errors";
import { apiPath, repo } from "../paths";
import { orgScope, type QuaySession } from "./session";

/** `GET .../mirror` (docs/quay-api.md#mirrors); the password is never returned. */
export interface MirrorView {
  is_enabled: boolean;
  mirror_type: "PULL";
  external_reference: string;
  external_registry_username: string | null;
  external_registry_config: {
    verify_tls?: boolean;
    unsigned_images?: boolean;
    proxy?: { http_proxy?: string | null; https_proxy?: string | null; no_proxy?: string | null };
  };
  sync_interval: number;
  sync_start_date: string | null;
  sync_expiration_date: string | null;
  sync_retries_remaining: number;
  sync_status: string;
  root_rule: { rule_kind: "tag_glob_csv"; rule_value: string[] };
  robot_username: string;
  skopeo_timeout_interval: number;
  architecture_filter: string[];
}

export type MirrorWrite = Partial<{
  is_enabled: boolean;
  external_reference: string;
  external_registry_username: string | null;
  external_registry_password: string | null;
  external_registry_config: MirrorView["external_registry_config"];
  sync_interval: number;
  sync_start_date: string;
  root_rule: MirrorView["root_rule"];
  robot_username: string;
  skopeo_timeout_interval: number;
  architecture_filter: string[];
}>;

export async function getMirror(
  s: QuaySession,
  namespace: string,
  name: string,
): Promise<MirrorView | undefined> {
  return s.get<MirrorView>(apiPath`/api/v1/repository/${repo(namespace, name)}/mirror`, {
    scope: orgScope(namespace),
    notFound: "undefined",
  });
}

/**
 * Quay's strptime accepts exactly `%Y-%m-%dT%H:%M:%SZ`; anything else on create is an HTML 500
 * with nothing stored (docs/quay-api.md#mirrors, live 3.18.0), so the client formats the date itself.
 */
export function quayMirrorDate(d: Date): string {
  return `${d.toISOString().slice(0, 19)}Z`;
}

/** `POST .../mirror` answers 201 ""; an existing config answers 409 (docs/quay-api.md#mirrors). */
export async function createMirror(
  s: QuaySession,
  namespace: string,
  name: string,
  body: MirrorWrite,
): Promise<"created" | "exists"> {
  try {
    await s.write("POST", apiPath`/api/v1/repository/${repo(namespace, name)}/mirror`, {
      scope: orgScope(namespace),
      body,
      landed: async () => {
        s.invalidate(orgScope(namespace));
        return (await getMirror(s, namespace, name)) !== undefined;
      },
    });
    return "created";
  } catch (e) {
    if (isQuayApiError(e) && e.status === 409) return "exists";
    throw e;
  }
}

/** Partial update; answers 201 "" (docs/quay-api.md#mirrors). */
export async function updateMirror(
  s: QuaySession,
  namespace: string,
  name: string,
  body: MirrorWrite,
): Promise<void> {
  await s.write("PUT", apiPath`/api/v1/repository/${repo(namespace, name)}/mirror`, {
    scope: orgScope(namespace),
    body,
  });
}
