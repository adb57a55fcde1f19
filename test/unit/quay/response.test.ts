import { describe, expect, it } from "vitest";
import { isPermanent503, parseBody, quayMessage, toApiError } from "../../../src/quay/response";
import { matchRoute } from "../../../src/quay/scopes";

describe("parseBody", () => {
  it("has no body for 204 or an empty text", () => {
    expect(parseBody(204, "application/json", "")).toEqual({ data: undefined, nonJson: false });
    expect(parseBody(200, "application/json", "")).toEqual({ data: undefined, nonJson: false });
  });
  it("reads bare JSON strings and null (docs/quay-api.md#requests)", () => {
    expect(parseBody(201, "application/json", '"Created"\n')).toEqual({ data: "Created", nonJson: false });
    expect(parseBody(201, "application/json", '""')).toEqual({ data: "", nonJson: false });
    expect(parseBody(200, "application/json", "null")).toEqual({ data: null, nonJson: false });
  });
  it("keeps HTML and broken JSON as text (docs/quay-api.md#emulator-gotchas)", () => {
    const html = "<!doctype html><html><head><title>Internal Server Error</title></head></html>";
    expect(parseBody(500, "text/html", html)).toEqual({ data: html, nonJson: true });
    expect(parseBody(200, "application/json", '{"a":')).toEqual({ data: '{"a":', nonJson: true });
  });
  it("reads JSON even under a wrong content type", () => {
    expect(parseBody(400, "text/html", '{"message":"x"}')).toEqual({
      data: { message: "x" },
      nonJson: false,
    });
  });
});

describe("quayMessage (error_message → detail → message → error)", () => {
  it("follows docs/quay-api.md#emulator-gotchas's order", () => {
    expect(quayMessage(400, { detail: "d", error_message: "em", message: "m" }, false)).toBe("em");
    expect(quayMessage(400, { detail: "d", message: "m" }, false)).toBe("d");
    expect(quayMessage(400, { message: "m", error: "e" }, false)).toBe("m");
    expect(quayMessage(403, { error: "CSRF token was invalid or missing." }, false)).toBe(
      "CSRF token was invalid or missing.",
    );
  });
  it("keeps the first line of jsonschema dumps", () => {
    expect(
      quayMessage(400, { error_message: "'role' is a required property\n\nFailed validating..." }, false),
    ).toBe("'role' is a required property");
  });
  it("uses an HTML page's title, or the status text", () => {
    expect(quayMessage(500, "<html><title>Internal Server Error</title></html>", true)).toBe(
      "Internal Server Error",
    );
    expect(quayMessage(404, "<html><body><h1>Not Found</h1></body></html>", true)).toBe("Not Found");
    expect(quayMessage(502, undefined, false)).toBe("Bad Gateway");
    expect(quayMessage(418, {}, false)).toBe("I'm a Teapot");
  });
});

describe("toApiError", () => {
  const ctx = (method: string, path: string) => ({
    method,
    path,
    route: matchRoute(method, path),
    attempts: 1,
    retryAfterMs: undefined,
    secrets: { token: "TOKEN-123456" },
  });
  it("names the scope on 403", () => {
    const e = toApiError(
      {
        status: 403,
        headers: {},
        data: { error_message: "Unauthorized", error_type: "insufficient_scope" },
        nonJson: false,
      },
      ctx("PUT", "/api/v1/organization/acme/robots/ci"),
    );
    expect(e.message).toBe(
      "PUT /api/v1/organization/acme/robots/ci: 403 Unauthorized — this needs a token with scope org:admin (docs/quay-api.md#scopes)",
    );
    expect(e.requiredScopes).toEqual(["org:admin"]);
    expect(e.errorType).toBe("insufficient_scope");
    expect(e.code).toBe("QG_ERR_QUAY_RESPONSE");
  });
  it("recognises the CSRF refusal of a rejected token", () => {
    const e = toApiError(
      { status: 403, headers: {}, data: { error: "CSRF token was invalid or missing." }, nonJson: false },
      ctx("POST", "/api/v1/organization/"),
    );
    expect(e.tokenRejected).toBe(true);
    expect(e.message).toMatch(/did not accept the token/);
  });
  it("marks HTML 404/405 as unrouted and explains 308", () => {
    const e = toApiError(
      { status: 404, headers: {}, data: "<html><title>404 Not Found</title></html>", nonJson: true },
      ctx("GET", "/api/v1/organization/acme/proxycache"),
    );
    expect(e.unrouted).toBe(true);
    expect(e.message).toMatch(/feature flag is off/);
    const r = toApiError(
      {
        status: 308,
        headers: { location: "https://q/api/v1/organization/?x=1" },
        data: "redirect",
        nonJson: true,
      },
      ctx("POST", "/api/v1/organization"),
    );
    expect(r.message).toMatch(
      /redirects to \/api\/v1\/organization\/: routes declared with a trailing slash/,
    );
  });
  it("never shows the token, even when echoed", () => {
    const e = toApiError(
      { status: 400, headers: {}, data: { message: "bad token TOKEN-123456 here" }, nonJson: false },
      ctx("GET", "/api/v1/user/"),
    );
    expect(e.message).not.toContain("TOKEN-123456");
    expect(e.message).toContain("[token]");
  });
});

describe("isPermanent503", () => {
  it("recognises read-only registries and repositories", () => {
    expect(isPermanent503({ message: "System is currently read-only", is_readonly: true })).toBe(true);
    expect(isPermanent503({ message: "Repository is in read only or mirror mode: 2" })).toBe(true);
    expect(isPermanent503({ message: "Service Unavailable" })).toBe(false);
    expect(isPermanent503("<html>")).toBe(false);
  });
});
