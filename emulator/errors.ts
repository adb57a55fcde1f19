/**
 * The error shapes Quay answers with (docs/quay-api.md#errors). Handlers throw one of these; the server
 * renders it. Each class has a stable `code` so tests and callers branch on the shape, never on text.
 *
 * Shapes:
 *  1. ApiException      {detail, error_message, error_type, title, type, status} (+ payload keys)
 *  2. DataModelException {message}, always 400 (the app-level handler of uncaught model errors)
 *  3. util.http.abort   {error}
 *  4. Flask abort       {message}
 *  5. ad-hoc dicts       {detail} (mirror, changestate) or {message}
 *  6/7. HTML pages      unrouted URLs (404/405) and unhandled exceptions (500)
 *  plain text           the login throttle's 429 (session.ts TextError)
 */

export type QuayErrorCode =
  | "QUAY_API_EXCEPTION"
  | "QUAY_DATA_MODEL"
  | "QUAY_ABORT_ERROR"
  | "QUAY_FLASK_MESSAGE"
  | "QUAY_DETAIL"
  | "QUAY_HTML"
  | "QUAY_TEXT";

export type ApiErrorType =
  | "invalid_request"
  | "invalid_token"
  | "insufficient_scope"
  | "not_found"
  | "exceeds_license"
  | "fresh_login_required"
  | "expired_token"
  | "downstream_issue";

export abstract class QuayError extends Error {
  abstract readonly code: QuayErrorCode;
  readonly status: number;
  readonly headers: Record<string, string>;
  constructor(status: number, message: string, headers: Record<string, string> = {}) {
    super(message);
    this.status = status;
    this.headers = headers;
    this.name = new.target.name;
  }
  /** The JSON body; `errorTypeUrl` builds the absolute `type` URL of ApiExceptions from the request's host. */
  abstract body(errorTypeUrl: (type: ApiErrorType) => string): unknown;
}

/** docs/quay-api.md#errors: endpoints/exception.py ApiException. */
export class ApiException extends QuayError {
  readonly code = "QUAY_API_EXCEPTION" as const;
  readonly errorType: ApiErrorType;
  readonly payload: Record<string, unknown>;
  constructor(
    status: number,
    errorType: ApiErrorType,
    message: string,
    payload: Record<string, unknown> = {},
  ) {
    super(status, message);
    this.errorType = errorType;
    this.payload = payload;
  }
  body(errorTypeUrl: (type: ApiErrorType) => string): unknown {
    return {
      ...this.payload,
      detail: this.message,
      error_message: this.message,
      error_type: this.errorType,
      title: this.errorType,
      type: errorTypeUrl(this.errorType),
      status: this.status,
    };
  }
}

/** docs/quay-api.md#errors: an uncaught DataModelException reaches the app handler: 400 `{"message"}`. */
export class DataModelError extends QuayError {
  readonly code = "QUAY_DATA_MODEL" as const;
  constructor(message: string) {
    super(400, message);
  }
  body(): unknown {
    return { message: this.message };
  }
}

/** docs/quay-api.md#errors: util.http.abort, e.g. the CSRF 403. */
export class AbortError extends QuayError {
  readonly code = "QUAY_ABORT_ERROR" as const;
  body(): unknown {
    return { error: this.message };
  }
}

/** docs/quay-api.md#errors: `{"message"}` from Flask/Flask-RESTful abort or from handlers returning a dict. */
export class MessageError extends QuayError {
  readonly code = "QUAY_FLASK_MESSAGE" as const;
  readonly extra: Record<string, unknown>;
  constructor(status: number, message: string, extra: Record<string, unknown> = {}) {
    super(status, message);
    this.extra = extra;
  }
  body(): unknown {
    return { message: this.message, ...this.extra };
  }
}

/** docs/quay-api.md#errors: `{"detail"}` returned by the mirror and changestate handlers. */
export class DetailError extends QuayError {
  readonly code = "QUAY_DETAIL" as const;
  body(): unknown {
    return { detail: this.message };
  }
}

/** docs/quay-api.md#errors: non-JSON pages. `message` is only for our own diagnostics, never sent. */
export class HtmlError extends QuayError {
  readonly code = "QUAY_HTML" as const;
  body(): unknown {
    return htmlPage(this.status);
  }
}

// --- helpers with Quay's exact texts -------------------------------------------------------------

export const invalidRequest = (message: string, payload?: Record<string, unknown>): ApiException =>
  new ApiException(400, "invalid_request", message, payload);

export const notFound = (): ApiException => new ApiException(404, "not_found", "Not Found");

/**
 * endpoints/exception.py Unauthorized: 401 when nobody is authenticated, else 403. This is what nearly
 * every permission failure raises (docs/quay-api.md#errors, docs/quay-api.md#emulator-gotchas "Missing permission").
 */
export const unauthorized = (authenticated: boolean): ApiException =>
  authenticated
    ? new ApiException(403, "insufficient_scope", "Unauthorized")
    : new ApiException(401, "invalid_token", "Requires authentication");

/** An unhandled Python exception: text/html 500 (docs/quay-api.md#emulator-gotchas "Every 500 is text/html"). */
export const internalError = (why: string): HtmlError => new HtmlError(500, why);

export const csrfError = (): AbortError => new AbortError(403, "CSRF token was invalid or missing.");

/** Werkzeug's default texts, sent by Flask-RESTful as `{"message"}` (docs/quay-api.md#emulator-gotchas). */
export const WERKZEUG = {
  badRequest: "The browser (or proxy) sent a request that this server could not understand.",
  notFound:
    "The requested URL was not found on the server. If you entered the URL manually please check your spelling and try again.",
  methodNotAllowed: "The method is not allowed for the requested URL.",
  unsupportedMediaType:
    "Did not attempt to load JSON data because the request Content-Type was not 'application/json'.",
  tooLarge: "The data value transmitted exceeds the capacity limit.",
  forbidden:
    "You don't have the permission to access the requested resource. It is either read-protected or not readable by the server.",
} as const;

const HTML_PAGES: Record<number, string> = {
  // The web UI's index page answers unrouted GETs with status 404 (docs/quay-api.md#features).
  404: '<!DOCTYPE html>\n<html lang="en">\n<head><meta charset="utf-8"><title>Quay</title></head>\n<body><div id="root"></div><noscript>404 Not Found</noscript></body>\n</html>\n',
  405: "<!doctype html>\n<html lang=en>\n<title>405 Method Not Allowed</title>\n<h1>Method Not Allowed</h1>\n<p>The method is not allowed for the requested URL.</p>\n",
  413: "<!doctype html>\n<html lang=en>\n<title>413 Request Entity Too Large</title>\n<h1>Request Entity Too Large</h1>\n<p>The data value transmitted exceeds the capacity limit.</p>\n",
  // The WSGI server's page for an unhandled exception (docs/quay-api.md#emulator-gotchas).
  500: "<html>\n  <head>\n    <title>Internal Server Error</title>\n  </head>\n  <body>\n    <h1><p>Internal Server Error</p></h1>\n    \n  </body>\n</html>\n",
  502: "<html>\n<head><title>502 Bad Gateway</title></head>\n<body>\n<center><h1>502 Bad Gateway</h1></center>\n</body>\n</html>\n",
  503: "<html>\n<head><title>503 Service Temporarily Unavailable</title></head>\n<body>\n<center><h1>503 Service Temporarily Unavailable</h1></center>\n</body>\n</html>\n",
  429: "<html>\n<head><title>429 Too Many Requests</title></head>\n<body>\n<center><h1>429 Too Many Requests</h1></center>\n</body>\n</html>\n",
};

export function htmlPage(status: number): string {
  return (
    HTML_PAGES[status] ??
    `<html><head><title>${status}</title></head><body><h1>${status}</h1></body></html>\n`
  );
}

/** Errors of the emulator itself (configuration, state file), not Quay answers. */
export type EmulatorErrorCode = "QG_EMU_CONFIG" | "QG_EMU_STATE" | "QG_EMU_CONTROL";

export class EmulatorError extends Error {
  readonly code: EmulatorErrorCode;
  constructor(code: EmulatorErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
    this.name = new.target.name;
  }
}
