import type { QuayClient } from "../client";
import { isQuayApiError, isQuayConnectionError } from "../errors";
import { apiPath } from "../paths";

/**
 * Audit logs (docs/quay-api.md#audit-logs), read for drift attribution. Quay serves 20 entries a page, newest first;
 * the response carries `next_page` as long as there may be more, even on a short last page, and the
 * page after the last one is empty (docs/quay-api.md#emulator-gotchas), so reading stops on an empty page or a missing `next_page`.
 * Dates are whole UTC days as `MM/DD/YYYY`, and the end day is inclusive.
 */

export interface LogEntryView {
  kind: string;
  metadata?: Record<string, unknown> | null;
  ip?: string;
  /** RFC 2822. */
  datetime: string;
  performer?: { kind?: string; name: string; is_robot?: boolean } | null;
  /** Only in user and superuser logs. */
  namespace?: { kind?: string; name: string } | null;
}

interface LogsPage {
  start_time?: string;
  end_time?: string;
  logs: LogEntryView[];
  next_page?: string;
  /** The logs backend cannot be searched (docs/quay-api.md#audit-logs). */
  search_unavailable?: boolean;
  message?: string;
}

export interface LogWindow {
  /** First day to read (UTC). */
  since: Date;
  /** Last day to read (UTC, inclusive); default today. */
  until?: Date;
  /** Stop after this many pages (default 50, i.e. 1000 entries). */
  maxPages?: number;
}

export type LogsResult =
  | { ok: true; entries: LogEntryView[]; truncated: boolean }
  | { ok: false; reason: string };

/** `MM/DD/YYYY` of the UTC day (docs/quay-api.md#audit-logs: other formats silently fall back to the default window). */
export function quayLogDate(d: Date): string {
  const pad = (n: number) => String(n).padStart(2, "0");
  return `${pad(d.getUTCMonth() + 1)}/${pad(d.getUTCDate())}/${d.getUTCFullYear()}`;
}

async function readPages(client: QuayClient, path: string, window: LogWindow): Promise<LogsResult> {
  const entries: LogEntryView[] = [];
  const maxPages = window.maxPages ?? 50;
  let next: string | undefined;
  for (let page = 0; page < maxPages; page++) {
    const res = await client.request<LogsPage>("GET", path, {
      query: {
        starttime: quayLogDate(window.since),
        endtime: quayLogDate(window.until ?? new Date()),
        next_page: next,
      },
    });
    const data = res.data;
    if (data?.search_unavailable) {
      return {
        ok: false,
        reason: `Quay's audit log cannot be searched (${data.message ?? "search_unavailable"})`,
      };
    }
    const logs = Array.isArray(data?.logs) ? data.logs : [];
    if (logs.length === 0) return { ok: true, entries, truncated: false };
    entries.push(...logs);
    if (!data.next_page) return { ok: true, entries, truncated: false };
    next = data.next_page;
  }
  return { ok: true, entries, truncated: true };
}

function unavailable(e: unknown, what: string): LogsResult {
  if (isQuayApiError(e)) {
    if (e.status === 401 || e.status === 403)
      return {
        ok: false,
        reason: `the token may not read ${what} (${e.status}; it needs ${e.requiredScopes?.join(" or ") ?? "more scopes"})`,
      };
    if (e.status === 400 || e.status === 404) return { ok: false, reason: `${what} does not exist any more` };
    // Attribution is best effort: a log Quay cannot serve must not hide the drift itself.
    return { ok: false, reason: `Quay answered ${e.status} for ${what}` };
  }
  if (isQuayConnectionError(e)) return { ok: false, reason: `no answer from Quay for ${what}` };
  throw e;
}

/** An organization's log (`org:admin`, or a superuser's). 401/403/404 answer `ok: false` with the reason. */
export async function readOrganizationLogs(
  client: QuayClient,
  org: string,
  window: LogWindow,
): Promise<LogsResult> {
  try {
    return await readPages(client, apiPath`/api/v1/organization/${org}/logs`, window);
  } catch (e) {
    return unavailable(e, `the audit log of organization ${org}`);
  }
}

/** The whole registry's log (`super:user`): users' changes are only there. */
export async function readSuperuserLogs(client: QuayClient, window: LogWindow): Promise<LogsResult> {
  try {
    return await readPages(client, "/api/v1/superuser/logs", window);
  } catch (e) {
    return unavailable(e, "the superuser audit log");
  }
}
