import type { DesiredState } from "../model/types";

/** Environment variables that hold credentials of the run itself. */
const CREDENTIAL_VARS = [
  "QUAY_TOKEN",
  "QUAY_PASSWORD",
  "PULUMI_CONFIG_PASSPHRASE",
  "PGPASSWORD",
  "AWS_SECRET_ACCESS_KEY",
  "AWS_SESSION_TOKEN",
  "GITHUB_TOKEN",
  "GH_TOKEN",
];

/**
 * Plaintext secrets this run knows, so every text the CLI writes can be checked against them
 * (values.ts `redactText`): the run's credentials and the values of the environment variables that tenant
 * files name in `passwordFrom: { env: ... }` or `urlFrom: { env: ... }`, plus any secret stack config
 * values the caller read.
 */
export function knownSecrets(input: {
  state?: Pick<DesiredState, "tenants"> | undefined;
  env: Readonly<Record<string, string | undefined>>;
  extra?: Iterable<string>;
}): string[] {
  const out = new Set<string>();
  const add = (v: string | undefined) => {
    if (v) out.add(v);
  };
  for (const name of CREDENTIAL_VARS) add(input.env[name]);
  for (const t of input.state?.tenants ?? []) {
    const refs = [
      t.proxyCache?.credentials?.passwordFrom,
      ...t.repositories.map((r) => r.mirror?.credentials?.passwordFrom),
      ...t.repositories.flatMap((r) => r.notifications.map((n) => n.urlFrom)),
    ];
    for (const ref of refs) if (ref && "env" in ref) add(input.env[ref.env]);
  }
  for (const v of input.extra ?? []) add(v);
  return [...out];
}
