import { type Ctx, ok, param, type Reply } from "../context";
import { notFound } from "../errors";
import { apiRoute } from "./shared";

/**
 * `GET /api/v1/error/<error_type>` (docs/quay-api.md#discovery): the resource every ApiException's `type`
 * URL points at (docs/quay-api.md#errors), with Quay's descriptions (endpoints/exception.py ERROR_DESCRIPTION).
 */

const DESCRIPTIONS: Readonly<Record<string, string>> = {
  external_service_timeout: "An external service timed out. Retrying the request may resolve the issue.",
  invalid_request:
    "The request was invalid. It may have contained invalid values or was improperly formatted.",
  invalid_response: "The response was invalid.",
  invalid_token: "The access token provided was invalid.",
  expired_token: "The access token provided has expired.",
  insufficient_scope: "The access token did not have sufficient scope to access the requested resource.",
  fresh_login_required: "The action requires a fresh login to succeed.",
  exceeds_license: "The action was refused because the current license does not allow it.",
  not_found: "The resource was not found.",
  downstream_issue: "An error occurred in a downstream service.",
  tag_immutable: "The tag is immutable and cannot be modified or deleted.",
  token_rotation_failed: "Token rotation failed.",
};

function errorDescription(ctx: Ctx): Reply {
  const type = param(ctx, "error_type");
  const description = Object.hasOwn(DESCRIPTIONS, type) ? DESCRIPTIONS[type] : undefined;
  if (description === undefined) throw notFound();
  return ok({ type: `${ctx.baseUrl}/api/v1/error/${type}`, title: type, description });
}

export const errorTypeRoutes = [apiRoute("/api/v1/error/{error_type}", { GET: errorDescription })];
