import { BlockList, isIP } from "node:net";
import { ConfigError } from "../../errors";

/** The environment variables the proxy choice reads (an injectable subset of `process.env`). */
export type ProxyEnv = Readonly<Record<string, string | undefined>>;

function envValue(env: ProxyEnv, name: string): string | undefined {
  // Lower case first, as curl and undici's EnvHttpProxyAgent do; an empty value means unset.
  const v = env[name.toLowerCase()] ?? env[name.toUpperCase()];
  return v === undefined || v.trim() === "" ? undefined : v.trim();
}

function defaultPort(protocol: string): number {
  return protocol === "https:" ? 443 : 80;
}

function bareHost(hostname: string): string {
  return hostname.replace(/^\[(.*)\]$/, "$1").toLowerCase();
}

/**
 * Whether NO_PROXY exempts `target`. Entries are separated by commas or spaces:
 * `*` (everything), `host`, `.suffix` / `*.suffix` (the domain and its subdomains, as `host`
 * also does), `host:port`, an IP address, or a CIDR block (`10.0.0.0/8`, `fd00::/8`).
 */
export function noProxyMatches(target: URL, noProxy: string | undefined): boolean {
  if (noProxy === undefined) return false;
  const host = bareHost(target.hostname);
  const port = target.port === "" ? defaultPort(target.protocol) : Number(target.port);
  const hostIp = isIP(host);
  for (const raw of noProxy.split(/[\s,]+/)) {
    const entry = raw.trim().toLowerCase();
    if (entry === "") continue;
    if (entry === "*") return true;
    if (entry.includes("/")) {
      const [addr, bits] = entry.split("/");
      const family = isIP(addr ?? "");
      if (hostIp !== 0 && family === hostIp && bits !== undefined && /^\d+$/.test(bits)) {
        const list = new BlockList();
        try {
          list.addSubnet(addr as string, Number(bits), family === 6 ? "ipv6" : "ipv4");
        } catch {
          continue; // a malformed block exempts nothing
        }
        if (list.check(host, family === 6 ? "ipv6" : "ipv4")) return true;
      }
      continue;
    }
    let name = entry;
    let entryPort: number | undefined;
    const bracketed = /^\[([^\]]+)\](?::(\d+))?$/.exec(entry);
    const withPort = /^([^:]+):(\d+)$/.exec(entry);
    if (bracketed) {
      name = bracketed[1] as string;
      entryPort = bracketed[2] === undefined ? undefined : Number(bracketed[2]);
    } else if (withPort) {
      name = withPort[1] as string;
      entryPort = Number(withPort[2]);
    }
    if (entryPort !== undefined && entryPort !== port) continue;
    name = name.replace(/^\*?\./, "");
    if (host === name || host.endsWith(`.${name}`)) return true;
  }
  return false;
}

/**
 * The proxy URL to reach `target` through, from HTTPS_PROXY (https targets) or HTTP_PROXY (http
 * targets, and https ones when HTTPS_PROXY is unset, as undici's EnvHttpProxyAgent does), unless
 * NO_PROXY exempts the target. undefined: connect directly.
 */
export function proxyFor(target: URL, env: ProxyEnv): URL | undefined {
  const raw =
    target.protocol === "https:"
      ? (envValue(env, "https_proxy") ?? envValue(env, "http_proxy"))
      : envValue(env, "http_proxy");
  if (raw === undefined) return undefined;
  if (noProxyMatches(target, envValue(env, "no_proxy"))) return undefined;
  let url: URL;
  try {
    // A bare `host:port` is common in the wild; read it as http://host:port.
    url = new URL(/^[a-z][a-z0-9+.-]*:\/\//i.test(raw) ? raw : `http://${raw}`);
  } catch {
    throw new ConfigError("the proxy URL in HTTPS_PROXY/HTTP_PROXY is not a valid URL");
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") {
    throw new ConfigError(`proxy scheme ${url.protocol} is not supported (use http:// or https://)`);
  }
  return url;
}

/** The proxy for display: scheme, host and port only (never its credentials). */
export function redactProxy(url: URL): string {
  return `${url.protocol}//${url.host}`;
}
