/** The Quay client: the only code in quay-gitops that speaks HTTP to Quay (docs/client.md). */
export {
  type CheckedRequestOptions,
  type LandedCheck,
  QuayClient,
  type QuayClientOptions,
  type QuayLanded,
  type QuayResponse,
  type RequestOptions,
} from "./client";
export { type AuthMode, signInThrottleWait } from "./auth";
export {
  CONNECTION_HELP,
  type ConnectionSource,
  connectionSource,
  findConnection,
  QuayConnection,
  resolveConnection,
} from "./connection";
export { CookieJar } from "./cookies";
export {
  isQuayApiError,
  isQuayConnectionError,
  isQuaySignInError,
  QuayApiError,
  QuayConnectionError,
  QuaySignInError,
  type SignInFailure,
} from "./errors";
export { Limiter } from "./limiter";
export {
  apiPath,
  EncodedPath,
  encodeSegment,
  type PathValue,
  pathOf,
  repo,
  stripQuery,
  withQuery,
} from "./paths";
export { DEFAULT_RETRY, parseRetryAfter, type RetryOptions, retryDelay } from "./retry";
export {
  describeScopeNeed,
  type HttpMethod,
  matchRoute,
  type QuayScope,
  ROUTES,
  type RouteSpec,
  type ScopeRequirement,
  scopeForRoute,
} from "./scopes";
export { RequestStats, type RequestStatsSnapshot } from "./stats";
