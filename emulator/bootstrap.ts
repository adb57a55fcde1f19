import { createHmac } from "node:crypto";
import { ALL_SCOPES, mintToken, newAccessToken } from "./auth";
import type { ResolvedConfig } from "./config";
import { createNamespace } from "./namespaces";
import type { OAuthToken, Store } from "./state";

/**
 * The bootstrap superuser. The emulator starts with user `admin` (listed in SUPER_USERS by the
 * default config) and one never-expiring token carrying every scope, as if an operator had run
 * `POST /api/v1/user/initialize` and minted a long-lived token. It also has a password, for the
 * session sign-in (routes/signin.ts).
 */

export const ADMIN_USER = "admin";
export const BOOTSTRAP_APP = "emulator-bootstrap";

/** The admin token value already in a loaded state, so a restart keeps handing out the same one. */
export function existingBootstrapToken(store: Store): string | undefined {
  const admin = store.user(ADMIN_USER);
  if (!admin) return undefined;
  for (const t of store.tokens.values())
    if (t.userId === admin.id && t.appName === BOOTSTRAP_APP) return t.token;
  return undefined;
}

/**
 * The admin password when none is given: derived from the admin token, so a restart on the same
 * state file (which keeps the token, and only a hash of the password) hands out the same password.
 */
export function defaultAdminPassword(token: string): string {
  return createHmac("sha256", token)
    .update("quay-gitops emulator admin password")
    .digest("base64url")
    .slice(0, 24);
}

/** `passwordHash`: passwords.ts hashPassword of the admin password, made once per start. */
export function bootstrapAdmin(
  store: Store,
  config: ResolvedConfig,
  passwordHash: string,
  tokenValue?: string,
): OAuthToken {
  let admin = store.user(ADMIN_USER);
  if (!admin) {
    admin = createNamespace(store, config, ADMIN_USER, "admin@quay.local", {
      emailRequired: false,
      kind: "user",
    });
    admin.verified = true;
  }
  // Set at every start and reset: the only copy in clear is the caller's.
  admin.passwordHash = passwordHash;
  const value = tokenValue ?? newAccessToken();
  const existing = store.tokens.get(value);
  if (existing) store.tokens.delete(value);
  return mintToken(store, admin, [...ALL_SCOPES], {
    token: value,
    clientId: ADMIN_USER,
    appName: BOOTSTRAP_APP,
  });
}
