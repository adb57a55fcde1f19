import { body, type Ctx, type Handler, log, ok, type Reply } from "../context";
import { unauthorized } from "../errors";
import { verifyPassword } from "../passwords";
import type { RouteDef } from "../router";
import {
  commonLogin,
  generateCsrfToken,
  invalidateAllSessions,
  loginBackoffMs,
  logoutUser,
  tooManyLoginAttempts,
} from "../session";
import type { Account } from "../state";
import { apiRoute } from "./shared";

/**
 * Signing in with a password, as the web UI does (`endpoints/api/user.py`
 * Signin, VerifyUser, Signout and `endpoints/web.py` csrf_token at v3.18.0): a CSRF token first,
 * then `POST /api/v1/signin`, which puts the user in the session cookie and rotates the CSRF
 * token (`X-Next-CSRF-Token`). The session is session.ts; the CSRF check of every API write is
 * server.ts.
 */

const SIGNIN_USER = {
  type: "object",
  required: ["username", "password"],
  properties: {
    username: { type: "string" },
    password: { type: "string" },
    invite_code: { type: "string" },
  },
};

const VERIFY_USER = {
  type: "object",
  required: ["password"],
  properties: { password: { type: "string" } },
};

const INVALID_CREDENTIALS = "Invalid Username or Password";
const USER_DISABLED = "This user has been disabled. Please contact your administrator.";

/**
 * data/model/user.py verify_user: the user by name (any row of the User table) or by the e-mail of
 * a non-organization; a throttle after failed attempts (429, before the password is even looked
 * at); a failed attempt counts, a good one clears the count.
 */
async function verifyUser(ctx: Ctx, usernameOrEmail: string, password: string): Promise<Account | null> {
  // biome-ignore lint/suspicious/noControlCharactersInRegex: "encode('ascii')" accepts exactly these
  if (!/^[\x00-\x7f]*$/.test(usernameOrEmail)) return null;
  const { store } = ctx;
  let fetched = store.account(usernameOrEmail);
  if (!fetched) {
    for (const a of store.accounts.values()) {
      if (a.kind !== "org" && a.email === usernameOrEmail) {
        fetched = a;
        break;
      }
    }
  }
  if (!fetched) return null;
  const attempts = fetched.invalidLoginAttempts ?? 0;
  const now = Date.now();
  if (attempts > 0) {
    const retryAt = (fetched.lastInvalidLoginMs ?? 0) + loginBackoffMs(attempts);
    if (retryAt > now) throw tooManyLoginAttempts(retryAt - now);
  }
  if (await verifyPassword(password, fetched.passwordHash)) {
    if (attempts > 0 && !ctx.config.readOnly) fetched.invalidLoginAttempts = 0;
    return fetched;
  }
  // A read-only registry cannot record the failure (ReadOnlyModeException is swallowed).
  if (!ctx.config.readOnly) {
    fetched.invalidLoginAttempts = (fetched.invalidLoginAttempts ?? 0) + 1;
    fetched.lastInvalidLoginMs = now;
  }
  return null;
}

/** The auth backend's verify_credentials: (user, null) or (null, its message). */
async function verifyCredentials(
  ctx: Ctx,
  usernameOrEmail: string,
  password: string,
): Promise<{ user: Account | null; error: string | null }> {
  // data/users/apptoken.py: every password login is refused, whatever the password.
  if (ctx.config.authenticationType === "AppToken") {
    return { user: null, error: "An application specific token is required to login" };
  }
  const user = await verifyUser(ctx, usernameOrEmail, password);
  if (!user) return { user: null, error: INVALID_CREDENTIALS };
  // data/users/__init__.py verify_and_link_user at v3.18.0: the password is right, the account is not.
  if (!user.enabled) return { user: null, error: USER_DISABLED };
  return { user, error: null };
}

/** `GET /csrf_token` (web route, no auth): the session's token, made on first use. */
function csrfToken(ctx: Ctx): Reply {
  return ok({ csrf_token: generateCsrfToken(ctx.session) });
}

/** conduct_signin. A disabled user is refused with its own message (observed on Quay 3.18.0). */
async function signin(ctx: Ctx): Promise<Reply> {
  const data = body<{ username: string; password: string }>(ctx, SIGNIN_USER);
  const { user, error } = await verifyCredentials(ctx, data.username, data.password);
  let needsEmailVerification = false;
  if (user) {
    const headers = commonLogin(ctx.session, user, ctx.config, Date.now());
    if (headers) {
      if (ctx.config.auditLogins) {
        log(ctx, "login_success", user.username, { type: "quayauth", useragent: ctx.userAgent });
      }
      return { status: 200, body: { success: true }, headers };
    }
    needsEmailVerification = true;
  } else if (ctx.config.auditLoginFailures) {
    // get_nonrobot_user or find_user_by_email; that user is the entry's performer too.
    const named = ctx.store.account(data.username);
    const possible =
      (named?.kind === "robot" ? undefined : named) ??
      [...ctx.store.accounts.values()].find((a) => a.kind === "user" && a.email === data.username);
    log(
      { ...ctx, caller: { ...ctx.caller, user: possible ?? null } },
      "login_failure",
      possible?.username ?? "",
      {
        type: "quayauth",
        kind: "user",
        useragent: ctx.userAgent,
        username: data.username,
        message: error,
      },
    );
  }
  return {
    status: 403,
    body: { needsEmailVerification, invalidCredentials: !user, message: error },
  };
}

/**
 * `POST /api/v1/signin/verify`: the signed-in user's password again, which renews the login time
 * that @require_fresh_login checks, and rotates the CSRF token like a sign-in.
 */
async function verify(ctx: Ctx): Promise<Reply> {
  // require_user_admin(): a session, or a token with user:admin.
  if (!ctx.caller.user) throw unauthorized(false);
  if (!ctx.perms.userAdmin()) throw unauthorized(true);
  const data = body<{ password: string }>(ctx, VERIFY_USER);
  const { user, error } = await verifyCredentials(ctx, ctx.caller.user.username, data.password);
  if (!user) return { status: 403, body: { message: error, invalidCredentials: true } };
  const headers = commonLogin(ctx.session, user, ctx.config, Date.now());
  if (!headers) return { status: 403, body: { message: "Could not verify user." } };
  return { status: 200, body: { success: true }, headers };
}

/**
 * `POST /api/v1/signout`: ends every session of the user (a new uuid), not only this one — a
 * second process signed in with the same account loses its session too.
 */
function signout(ctx: Ctx): Reply {
  const user = ctx.caller.user;
  if (user) invalidateAllSessions(user);
  logoutUser(ctx.session);
  if (user) log(ctx, "logout_success", user.username, {});
  return ok({ success: true });
}

export const signinRoutes: RouteDef<Handler>[] = [
  { template: "/csrf_token", kind: "web", methods: { GET: csrfToken } },
  {
    ...apiRoute(
      "/api/v1/signin",
      { POST: signin },
      { enabled: (c) => c.feature("FEATURE_DIRECT_LOGIN"), anonAllowed: true },
    ),
    readonlyAllowed: true,
    internal: true,
  },
  { ...apiRoute("/api/v1/signin/verify", { POST: verify }), readonlyAllowed: true, internal: true },
  { ...apiRoute("/api/v1/signout", { POST: signout }), internal: true },
];
