/**
 * The stack config file `quay-gitops init` writes (`stacks/Pulumi.<stack>.yaml`): only settings that
 * are not secret. Credentials go to the environment of each run or, encrypted, into the stack with
 * `pulumi config set --secret` (stacks/README.md; the engine copies the stack config into the state).
 */
import { map, stringify } from "./yaml";

export interface StackConfigInput {
  stack: string;
  url: string;
  /** The account of a session connection (not secret); undefined for a token. */
  username?: string | undefined;
  caFile?: string | undefined;
  insecureSkipTlsVerify?: boolean | undefined;
  registryFile: string;
  tenantsDir: string;
  now: Date;
}

export function stackConfigText(i: StackConfigInput): string {
  const config = map().add("quay-gitops:url", i.url);
  // Comments above the keys, not beside them: Pulumi rewrites this file when it creates the stack.
  if (i.username !== undefined)
    config.add("quay-gitops:username", i.username, {
      comments: ["A session: the password comes from QUAY_PASSWORD or quay-gitops:password (secret)."],
    });
  if (i.caFile !== undefined) config.add("quay-gitops:caFile", i.caFile);
  if (i.insecureSkipTlsVerify) config.add("quay-gitops:insecureSkipTlsVerify", "true");
  config.add("quay-gitops:registryFile", i.registryFile).add("quay-gitops:tenantsDir", i.tenantsDir);
  const credential =
    i.username !== undefined
      ? [
          `The password of ${i.username} is never written here in clear: set QUAY_PASSWORD in the environment`,
          `of each run (CI: a secret variable), or store it encrypted in the stack:`,
          `  pulumi config set --secret quay-gitops:password --stack ${i.stack}`,
        ]
      : [
          "The token is never written here in clear: set QUAY_TOKEN in the environment of each run (CI: a",
          "secret variable), or store it encrypted in the stack:",
          `  pulumi config set --secret quay-gitops:token --stack ${i.stack}`,
          "(or sign in with an account instead: quay-gitops:username, and QUAY_PASSWORD or quay-gitops:password).",
        ];
  const header = [
    `The \`${i.stack}\` stack: the Quay at ${i.url}, written by \`quay-gitops init\` on ${i.now.toISOString().slice(0, 10)}.`,
    "",
    ...credential,
    "Secrets passphrase: PULUMI_CONFIG_PASSPHRASE (or PULUMI_CONFIG_PASSPHRASE_FILE) from your secret store;",
    "the first run on the stack creates it and adds its encryptionsalt here (commit that line).",
    "State backend: --backend URL or PULUMI_BACKEND_URL (docs/state.md). Walkthrough: docs/onboarding.md.",
  ];
  return stringify(map().add("config", config), header);
}
