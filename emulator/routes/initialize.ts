import { ALL_SCOPES, mintToken } from "../auth";
import type { Ctx, Reply } from "../context";
import { AbortError, DataModelError, HtmlError, internalError, MessageError } from "../errors";
import { createNamespace, encryptedPassword } from "../namespaces";
import { hashPassword } from "../passwords";
import { commonLogin } from "../session";
import type { RouteDef } from "../router";
import { isJsonContentType, parseJson, validPassword, INVALID_PASSWORD_MESSAGE } from "../validation";
import type { Handler } from "../context";

/**
 * `POST /api/v1/user/initialize` (docs/quay-api.md#bootstrap): a plain Flask route of the web blueprint, not
 * part of the API: no CSRF check, `{"message"}` errors, HTML pages for what Flask itself rejects.
 */

function initialize(ctx: Ctx): Reply {
  const { store, config } = ctx;
  // route_show_if: the route exists, but answers 404 {"error": "Not Found"} when the flag is off.
  if (!config.feature("FEATURE_USER_INITIALIZE")) throw new AbortError(404, "Not Found");
  if (config.authenticationType !== "Database") {
    throw new MessageError(400, "Cannot initialize user in a non-database auth system");
  }
  if (store.accounts.size > 0) throw new MessageError(400, "Cannot initialize user in a non-empty database");
  // request.get_json() outside the API: Werkzeug's own HTML error pages.
  if (!isJsonContentType(ctx.headers["content-type"])) throw new HtmlError(415, "unsupported media type");
  const parsed = parseJson(ctx.rawBody);
  if (!parsed.ok) throw new HtmlError(400, "malformed JSON");
  const data = parsed.value as Record<string, unknown> | null;
  if (data === null || typeof data !== "object" || Array.isArray(data)) {
    throw internalError("TypeError: 'NoneType' object is not subscriptable");
  }
  // The body is not schema-validated: missing keys are KeyErrors (docs/quay-api.md#bootstrap).
  if (!("username" in data)) throw internalError("KeyError: 'username'");
  if (!("password" in data)) throw internalError("KeyError: 'password'");
  const { username, password, email } = data;
  if (typeof username !== "string" || typeof password !== "string") throw internalError("TypeError");
  const mailing = config.feature("FEATURE_MAILING");
  let user: ReturnType<typeof createNamespace>;
  try {
    if (!validPassword(password)) throw new DataModelError(INVALID_PASSWORD_MESSAGE);
    user = createNamespace(store, config, username, typeof email === "string" ? email : undefined, {
      emailRequired: mailing,
      kind: "user",
    });
  } catch (e) {
    if (e instanceof DataModelError) throw new MessageError(400, `Failed to initialize user: ${e.message}`);
    throw e;
  }
  user.passwordHash = hashPassword(password);
  user.verified = true;
  const result: Record<string, unknown> = {
    username,
    email: email ?? null,
    encrypted_password: encryptedPassword(password),
  };
  if (data.access_token) {
    // An OAuth application `automation` with client_id = username; the token expires after 9000 s.
    const token = mintToken(store, user, [...ALL_SCOPES], {
      ttlS: config.initializeTokenTtlS,
      clientId: username,
      appName: "automation",
    });
    result.access_token = token.token;
  }
  // common_login: the caller's session is now signed in as the new user (endpoints/web.py).
  const headers = commonLogin(ctx.session, user, config, Date.now()) ?? {};
  return { status: 200, body: result, headers };
}

export const initializeRoutes: RouteDef<Handler>[] = [
  { template: "/api/v1/user/initialize", kind: "web", methods: { POST: initialize } },
];
