/**
 * The cookies of one Quay session. Quay's session cookie is opaque to us (a signed Flask session
 * named `_csrf_token`, `config.py` at v3.18.0), so the jar keeps every cookie the server sets and
 * sends them all back, dropping the ones it deletes (Max-Age ≤ 0 or an Expires in the past). One
 * client talks to one origin, so Domain and Path need no matching. Values are private: a session
 * cookie is a credential.
 */
export class CookieJar {
  readonly #cookies = new Map<string, string>();

  /** Takes the `Set-Cookie` header(s) of a response. */
  store(setCookie: string | readonly string[] | undefined, now = Date.now()): void {
    if (setCookie === undefined) return;
    for (const line of typeof setCookie === "string" ? [setCookie] : setCookie) {
      const [pair = "", ...attributes] = line.split(";");
      const eq = pair.indexOf("=");
      if (eq <= 0) continue;
      const name = pair.slice(0, eq).trim();
      const value = pair.slice(eq + 1).trim();
      if (isDeletion(attributes, now)) this.#cookies.delete(name);
      else this.#cookies.set(name, value);
    }
  }

  /** The `Cookie` header to send, or undefined when the jar is empty. */
  header(): string | undefined {
    if (this.#cookies.size === 0) return undefined;
    return [...this.#cookies].map(([n, v]) => `${n}=${v}`).join("; ");
  }

  clear(): void {
    this.#cookies.clear();
  }

  /** Every cookie, to hand the session to another process of the run (auth.ts SessionStore). */
  entries(): [string, string][] {
    return [...this.#cookies];
  }

  /** Replaces the jar's cookies with those of a handed-over session. */
  restore(entries: readonly (readonly [string, string])[]): void {
    this.#cookies.clear();
    for (const [name, value] of entries) this.#cookies.set(name, value);
  }

  get size(): number {
    return this.#cookies.size;
  }
}

function isDeletion(attributes: readonly string[], now: number): boolean {
  let expired = false;
  for (const raw of attributes) {
    const eq = raw.indexOf("=");
    const key = (eq === -1 ? raw : raw.slice(0, eq)).trim().toLowerCase();
    const value = eq === -1 ? "" : raw.slice(eq + 1).trim();
    // Max-Age wins over Expires (RFC 6265 §5.3).
    if (key === "max-age" && /^-?\d+$/.test(value)) return Number(value) <= 0;
    if (key === "expires") {
      const t = Date.parse(value);
      expired = !Number.isNaN(t) && t <= now;
    }
  }
  return expired;
}
