import { lookup } from "node:dns/promises";
import { BlockList, isIP } from "node:net";

/**
 * Upstream address checks of util/security/ssrf.py, used by the proxy-cache endpoints (Quay 3.18.0
 * checks the upstream of a proxy cache, docs/quay-api.md#proxy-cache) and by the mirror reference syntax (docs/quay-api.md#mirrors).
 * DNS resolution happens only when EMULATOR_RESOLVE_UPSTREAM_HOSTS is on: the emulator usually runs
 * offline, where Quay itself would answer "Cannot resolve hostname".
 */

export class SsrfBlocked extends Error {}
/** util/security/ssrf raises ValueError for format problems; the API turns them into 400s. */
export class UpstreamInvalid extends Error {}

const blocked = new BlockList();
for (const [net, prefix] of [
  ["0.0.0.0", 8],
  ["10.0.0.0", 8],
  ["100.64.0.0", 10],
  ["127.0.0.0", 8],
  ["169.254.0.0", 16],
  ["172.16.0.0", 12],
  ["192.0.0.0", 24],
  ["192.0.2.0", 24],
  ["192.168.0.0", 16],
  ["198.18.0.0", 15],
  ["198.51.100.0", 24],
  ["203.0.113.0", 24],
  ["224.0.0.0", 4],
  ["240.0.0.0", 4],
] as const) {
  blocked.addSubnet(net, prefix, "ipv4");
}
for (const [net, prefix] of [
  ["::1", 128],
  ["::", 128],
  ["64:ff9b::", 96],
  ["100::", 64],
  ["2001:db8::", 32],
  ["fc00::", 7],
  ["fe80::", 10],
  ["ff00::", 8],
  ["::ffff:0:0", 96],
] as const) {
  blocked.addSubnet(net, prefix, "ipv6");
}

const BLOCKED_HOSTNAMES = new Set([
  "localhost",
  "metadata.google.internal",
  "metadata.azure.internal",
  "metadata",
  "kubernetes.default.svc",
  "kubernetes.default.svc.cluster.local",
  "kubernetes.default",
  "kubernetes",
]);

function ipBlocked(ip: string): boolean {
  const family = isIP(ip);
  if (family === 0) return true;
  return blocked.check(ip, family === 4 ? "ipv4" : "ipv6");
}

function inAllowList(hostname: string, ip: string | undefined, allowed: readonly string[]): boolean {
  for (const entry of allowed) {
    const [net, bits] = entry.split("/");
    if (net && isIP(net)) {
      const family = isIP(net) === 4 ? "ipv4" : "ipv6";
      const list = new BlockList();
      if (bits === undefined) list.addAddress(net, family);
      else list.addSubnet(net, Number(bits), family);
      for (const candidate of [ip, hostname]) {
        if (candidate && isIP(candidate) && list.check(candidate, isIP(candidate) === 4 ? "ipv4" : "ipv6"))
          return true;
      }
      continue;
    }
    if (entry.toLowerCase() === hostname.toLowerCase()) return true;
  }
  return false;
}

/** The `host[:port]` part of a URL authority, without brackets for IPv6 literals. */
function hostOf(authority: string): string {
  if (authority.startsWith("[")) return authority.slice(1, authority.indexOf("]"));
  const colon = authority.lastIndexOf(":");
  return colon === -1 ? authority : authority.slice(0, colon);
}

/** validate_external_registry_url for `<scheme>://<authority>` (the authority is all that matters). */
export async function checkRegistryAuthority(
  authority: string,
  options: { resolveDns: boolean; allowedHosts: readonly string[] },
): Promise<void> {
  if (!authority.trim()) throw new UpstreamInvalid("URL must include a hostname");
  if (authority.includes("@")) throw new UpstreamInvalid("URLs with embedded credentials are not allowed");
  const hostname = hostOf(authority);
  if (!hostname) throw new UpstreamInvalid("URL must include a hostname");
  const lower = hostname.toLowerCase();
  const blockedByName =
    BLOCKED_HOSTNAMES.has(lower) || lower.endsWith(".internal") || lower.endsWith(".local");
  const nameAllowed = inAllowList(hostname, undefined, options.allowedHosts);
  if (isIP(hostname)) {
    if (ipBlocked(hostname) && !inAllowList(hostname, hostname, options.allowedHosts)) {
      throw new SsrfBlocked("URL points to a private or reserved IP address");
    }
    return;
  }
  if (!options.resolveDns) {
    if (blockedByName && !nameAllowed) throw new SsrfBlocked(`Hostname '${hostname}' is not allowed`);
    return;
  }
  let addresses: { address: string }[];
  try {
    addresses = await lookup(hostname, { all: true });
  } catch {
    throw new UpstreamInvalid(`Cannot resolve hostname '${hostname}'`);
  }
  if (addresses.length === 0) throw new UpstreamInvalid(`Cannot resolve hostname '${hostname}'`);
  if (
    blockedByName &&
    !nameAllowed &&
    !addresses.some((a) => inAllowList(hostname, a.address, options.allowedHosts))
  ) {
    throw new SsrfBlocked(`Hostname '${hostname}' is not allowed`);
  }
  for (const a of addresses) {
    if (ipBlocked(a.address) && !inAllowList(hostname, a.address, options.allowedHosts)) {
      throw new SsrfBlocked("URL resolves to a private or reserved IP address");
    }
  }
}
