import { describe, expect, it } from "vitest";
import { loadDesiredStateFromFiles } from "../../../src/tenant";
import { codes, lines, load, REGISTRY_PATH, registryYaml, tenantYaml } from "./helpers";

describe("isolation and restrictions", () => {
  it("the more specific pattern owns a name: acme (acme-*) cannot take acme-labs's organization", () => {
    const r = load({ acme: "organization: { name: acme-labs-ci }\n", "acme-labs": "{}" });
    expect(lines(r)).toEqual([
      'QG_TENANT_RESTRICTED tenants/acme.yaml:6:25 spec.organization.name: organization "acme-labs-ci" belongs to tenant acme-labs: its pattern "acme-labs-*" is more specific than "acme-*" of tenant acme',
    ]);
    // ...while acme-labs itself may.
    expect(lines(load({ acme: "{}", "acme-labs": "organization: { name: acme-labs-ci }\n" }))).toEqual([]);
  });

  it("a tenant named in the registry's restrictions reserves its names before its file exists", () => {
    const registry = "users: { existing: [lab-bot] }\nrestrictions:\n  tenants:\n    acme-labs: {}\n";
    const r = load({ acme: "organization: { name: acme-labs }\n" }, { registry });
    expect(codes(r)).toEqual(["QG_TENANT_RESTRICTED"]);
  });

  it("per-tenant restrictions replace the defaults, the others keep them", () => {
    const registry = `restrictions:
  tenants:
    platform:
      organizations: [platform, ocp]
      users: [platform-*, svc-*]
`;
    expect(
      lines(load({ platform: "organization: { name: ocp }\nusers: [{ name: svc-mirror }]\n" }, { registry })),
    ).toEqual([]);
    expect(codes(load({ platform: "organization: { name: platform-eu }\n" }, { registry }))).toEqual([
      "QG_TENANT_RESTRICTED",
    ]);
    expect(codes(load({ acme: "organization: { name: acme-eu }\n" }, { registry }))).toEqual([]);
  });

  it("a duplicate organization blames only the claimant the registry does not allow", () => {
    const r = load({ aaa: "organization: { name: zed }\n", zed: "{}" });
    expect(lines(r).map((l) => l.split(" ").slice(0, 2).join(" "))).toEqual([
      "QG_TENANT_DUPLICATE tenants/aaa.yaml:6:25",
      "QG_TENANT_RESTRICTED tenants/aaa.yaml:6:25",
    ]);
  });

  it("without restrictions in play, both claimants of a name are told about each other", () => {
    const registry = 'restrictions:\n  default:\n    organizations: ["*"]\n    users: ["*"]\n';
    const r = load(
      { aaa: "organization: { name: shared }\n", bbb: "organization: { name: shared }\n" },
      { registry },
    );
    expect(lines(r)).toEqual([
      'QG_TENANT_DUPLICATE tenants/aaa.yaml:6:25 spec.organization.name: organization "shared" is also declared by tenants/bbb.yaml:6; an organization belongs to exactly one tenant',
      'QG_TENANT_DUPLICATE tenants/bbb.yaml:6:25 spec.organization.name: organization "shared" is also declared by tenants/aaa.yaml:6; an organization belongs to exactly one tenant',
    ]);
  });

  it("an organization may not be named like a user of another tenant", () => {
    const registry = 'restrictions:\n  default:\n    organizations: ["*"]\n    users: ["*"]\n';
    const r = load({ aaa: "organization: { name: bob }\n", bbb: "users: [{ name: bob }]\n" }, { registry });
    expect(codes(r)).toEqual(["QG_TENANT_DUPLICATE"]);
    expect(lines(r)[0]).toContain("share one namespace");
  });

  it("users of other tenants may be referenced (outside collaborators), robots and teams may not", () => {
    const r = load({
      acme: "repositories:\n  - name: app\n    permissions:\n      - user: globex-hank\n        role: read\n",
      globex: "users: [{ name: globex-hank }]\n",
    });
    expect(lines(r)).toEqual([]);
  });

  it("a robot written with its own organization's prefix is accepted", () => {
    const r = load({
      acme: "robots: [{ name: ci }]\nteams:\n  - name: devs\n    members: [{ robot: acme+ci }]\n",
    });
    expect(r.state!.tenants[0]!.teams[0]!.members).toEqual([{ kind: "robot", name: "acme+ci" }]);
  });

  it("a team written as own-org/team is accepted; owners and baseline teams need no declaration", () => {
    const r = load({
      acme: "repositories:\n  - name: app\n    permissions:\n      - team: acme/owners\n        role: admin\n      - team: lab-automation\n        role: write\n",
    });
    expect(lines(r)).toEqual([]);
    expect(r.state!.tenants[0]!.repositories[0]!.permissions).toEqual([
      { kind: "team", name: "lab-automation", role: "write" },
      { kind: "team", name: "owners", role: "admin" },
    ]);
  });

  it("a mirror from this registry may read the tenant's own organization", () => {
    const r = load({
      acme: "robots: [{ name: mi }]\nrepositories:\n  - name: copy\n    mirror:\n      from: QUAY.lab.example/acme/app\n      tags: [latest]\n      robot: mi\n",
    });
    expect(lines(r)).toEqual([]);
  });

  it("users declared while the registry's users are external", () => {
    const r = load({ acme: "users: [{ name: acme-ann }]\n" }, { registry: "users: { mode: external }\n" });
    expect(lines(r)).toEqual([
      "QG_TENANT_EXTERNAL_USERS tenants/acme.yaml:6:3 spec.users: the registry's users come from LDAP/OIDC (users.mode: external in stacks/test.registry.yaml); tenant files only reference users, remove this list",
    ]);
  });
});

describe("Quay features", () => {
  it("a feature the registry turns off is refused where it is used", () => {
    const registry =
      "features: { repoMirror: false, proxyCache: false, autoPrune: false, quotaManagement: false }\n";
    const r = load(
      {
        acme: `quota: { limit: 1 GiB }
proxyCache: { upstream: quay.io/acme }
autoPrune: [{ keepTags: 1 }]
robots: [{ name: mirror }]
repositories:
  - name: app
    autoPrune: [{ keepTags: 1 }]
    mirror: { from: quay.io/a/b, tags: [latest], robot: mirror }
`,
      },
      { registry },
    );
    expect(lines(r).map((l) => l.split(" ").slice(0, 3).join(" "))).toEqual([
      "QG_TENANT_FEATURE tenants/acme.yaml:6:3 spec.quota:",
      "QG_TENANT_FEATURE tenants/acme.yaml:7:3 spec.proxyCache:",
      "QG_TENANT_FEATURE tenants/acme.yaml:8:3 spec.autoPrune:",
      "QG_TENANT_FEATURE tenants/acme.yaml:12:7 spec.repositories[0].autoPrune:",
      "QG_TENANT_FEATURE tenants/acme.yaml:13:7 spec.repositories[0].mirror:",
    ]);
  });

  it("a default quota while quotas are off is a registry error", () => {
    const r = load(
      {},
      { registry: "features: { quotaManagement: false }\ndefaults: { quota: { limit: 1 GiB } }\n" },
    );
    expect(codes(r)).toEqual(["QG_REGISTRY_INVALID"]);
  });
});

describe("file discovery", () => {
  it("a .yml tenant file is an error, hidden files and other extensions are ignored", () => {
    const r = load(
      { acme: "{}" },
      {
        extra: {
          "tenants/globex.yml": "x",
          "tenants/README.md": "# hi",
          "tenants/.draft.yaml": "x",
          "tenants/sub/x.yaml": "x",
        },
      },
    );
    expect(lines(r)).toEqual([
      "QG_TENANT_FILE_NAME tenants/globex.yml:1:1 tenant files end in .yaml; rename globex.yml to globex.yaml (a .yml file would be ignored)",
    ]);
    expect(r.tenantFiles).toEqual(["tenants/acme.yaml"]);
  });

  it("no tenant files at all is valid (an empty lab)", () => {
    const r = load({});
    expect(r.diagnostics).toEqual([]);
    expect(r.state?.tenants).toEqual([]);
  });

  it("the tenants folder may be the root and paths may start with ./", () => {
    const r = loadDesiredStateFromFiles({
      files: { "./acme.yaml": tenantYaml("acme", "{}"), "reg.yaml": registryYaml() },
      tenantsDir: ".",
      registryFile: "./reg.yaml",
      now: new Date(),
    });
    expect(lines(r)).toEqual([]);
    expect(r.state!.tenants[0]!.file).toBe("acme.yaml");
  });
});

describe("the registry file", () => {
  it("missing: one error, and the tenants are still checked (with the default restrictions)", () => {
    const r = load({ acme: "robots: [{ name: Bad }]\n" }, { registry: null });
    expect(codes(r)).toEqual(["QG_REGISTRY_MISSING", "QG_TENANT_NAME"]);
  });

  it("invalid: its errors are reported and registry-dependent tenant rules are skipped, not guessed", () => {
    const r = load(
      { acme: "organization: { name: elsewhere, tagExpiration: 3d }\n" },
      { registry: "userz: {}\n" },
    );
    expect(lines(r)).toEqual([
      'QG_TENANT_UNKNOWN_FIELD stacks/test.registry.yaml:6:3 spec: unknown field "userz"; did you mean "users"?',
    ]);
  });

  it("invalid: references to its existing users are not judged", () => {
    const r = load(
      { acme: "teams: [{ name: devs, members: [{ user: lab-bot }] }]\n" },
      { registry: "users: { existing: [lab-bot] }\nbudgets: { maxDeletes: -1 }\n" },
    );
    expect(codes(r)).toEqual(["QG_TENANT_SCHEMA"]);
  });

  it("a tenant file that cannot be parsed does not make other tenants' user references errors", () => {
    const r = load({
      acme: "teams: [{ name: devs, members: [{ user: globex-hank }] }]\n",
      globex: "users: [{ name: globex-hank }\n",
    });
    expect(lines(r).map((l) => l.split(" ").slice(0, 2).join(" "))).toEqual([
      "QG_TENANT_YAML tenants/globex.yaml:7:1",
    ]);
  });

  it("checks its own consistency", () => {
    const registry = `users: { existing: [lab-bot] }
tagExpirationOptions: [0s, 1w]
defaults:
  tagExpiration: 2w
  quota: { limit: 10 GiB, warningAt: 90%, rejectAt: 80% }
baseline:
  teams:
    - name: auto
      members: [{ user: lab-bott }]
    - name: auto
  repositoryPermissions: [{ team: autom, role: read }]
  defaultPermissions: [{ user: nobody, role: read }]
restrictions:
  tenants:
    acme: { maxQuota: 10 PiB }
`;
    const r = load({}, { registry });
    expect(lines(r).map((l) => l.replace(/ stacks\/test\.registry\.yaml:/, " "))).toEqual([
      "QG_REGISTRY_INVALID 9:20 spec.defaults.tagExpiration: 2w is not one of tagExpirationOptions (0s, 1w)",
      "QG_TENANT_QUOTA 10:40 spec.defaults.quota.warningAt: warningAt (90%) must be below rejectAt (80%): a warning after pushes are already rejected never helps",
      'QG_REGISTRY_INVALID 14:27 spec.baseline.teams[0].members[0].user: user "lab-bott" is not in users.existing; did you mean "lab-bot"?; baseline members must be users that exist outside tenant files',
      'QG_TENANT_DUPLICATE 15:15 spec.baseline.teams[1].name: baseline team "auto" is declared twice (first at line 13)',
      'QG_REGISTRY_INVALID 16:37 spec.baseline.repositoryPermissions[0].team: team "autom" is not a baseline team; did you mean "auto"?; declare it under baseline.teams',
      'QG_REGISTRY_INVALID 17:34 spec.baseline.defaultPermissions[0].user: user "nobody" is not in users.existing',
      'QG_TENANT_QUOTA 20:25 spec.restrictions.tenants.acme.maxQuota: "10 PiB" is larger than the largest supported quota (8 PiB)',
    ]);
  });
});

describe("reporting", () => {
  it("every error of every file at once, sorted by file, line and column", () => {
    const r = load({
      zed: "robots: [{ name: A }]\nteams: [{ name: devs, members: [{ robot: nope }] }]\n",
      acme: "quota: { limit: 1 GiB, warningAt: 90%, rejectAt: 10% }\nusers: [{ name: bob }]\n",
    });
    const got = r.diagnostics.map((d) => `${d.file}:${d.line}:${d.column} ${d.code}`);
    expect(got).toEqual([
      "tenants/acme.yaml:6:37 QG_TENANT_QUOTA",
      "tenants/acme.yaml:7:19 QG_TENANT_RESTRICTED",
      "tenants/zed.yaml:6:20 QG_TENANT_NAME",
      "tenants/zed.yaml:7:44 QG_TENANT_REFERENCE",
    ]);
    expect(r.state).toBeUndefined();
  });

  it("warnings and notices do not make the files invalid", () => {
    const r = load({ acme: "repositories: [{ name: app, visibility: public }]\n" });
    expect(lines(r, "warning")).toEqual([
      "QG_TENANT_PUBLIC tenants/acme.yaml:6:43 spec.repositories[0].visibility: repository app is public (anyone can pull it, also anonymously) but has no allowPublic: true; apply will refuse to make it public until you add it",
    ]);
    expect(r.state).toBeDefined();
  });

  it("a registry without requireAllowPublic does not warn", () => {
    const r = load(
      { acme: "repositories: [{ name: app, visibility: public }]\n" },
      { registry: "budgets: { requireAllowPublic: false }\n" },
    );
    expect(r.diagnostics).toEqual([]);
  });

  it("never echoes what may be a secret", () => {
    const r = load({
      acme: "proxyCache:\n  upstream: quay.io/acme\n  credentials:\n    username: u\n    passwordFrom: { env: 'hunter2 secret' }\n",
      globex:
        "proxyCache:\n  upstream: quay.io/globex\n  credentials:\n    username: u\n    passwordFrom: hunter2secret\n    password: hunter3secret\n",
    });
    expect(r.diagnostics.length).toBeGreaterThan(0);
    for (const d of r.diagnostics) expect(d.message).not.toMatch(/hunter/);
  });

  it("uses the registry file path given", () => {
    const r = loadDesiredStateFromFiles({
      files: {},
      registryFile: "stacks/prod.registry.yaml",
      now: new Date(),
    });
    expect(lines(r)).toEqual([
      'QG_REGISTRY_MISSING stacks/prod.registry.yaml:1:1 registry file stacks/prod.registry.yaml not found; every stack needs one (see docs/tenants.md, "The registry file"), or pass --registry',
    ]);
    expect(REGISTRY_PATH).toBe("stacks/test.registry.yaml");
  });
});

describe("notifications", () => {
  const IMMUTABLE = `features: { immutableTags: true }\n`;

  it("each method's settings, with file:line:col and a stable code", () => {
    const r = load({
      acme: `teams: [{ name: devs }]
robots: [{ name: ci }]
repositories:
  - name: app
    notifications:
      - event: repo_push
        method: slack
        config: { urlFrom: { env: SLACK }, email: a@acme.example }
      - event: repo_push
        method: webhook
        title: both
        config: { url: "https://ci.acme.example/hook", urlFrom: { env: HOOK } }
      - event: repo_push
        method: email
        title: none
      - event: repo_push
        method: quay_notification
        title: robot
        config: { robot: ci }
      - event: repo_push
        method: quay_notification
        title: ghost
        config: { team: ghosts }
`,
    });
    expect(lines(r)).toEqual([
      "QG_TENANT_NOTIFICATION tenants/acme.yaml:13:53 spec.repositories[0].notifications[0].config.email: email is not a setting of the slack method, which takes urlFrom",
      "QG_TENANT_NOTIFICATION tenants/acme.yaml:17:19 spec.repositories[0].notifications[1].config: a webhook needs exactly one of config.url or config.urlFrom (urlFrom when the URL holds a token)",
      "QG_TENANT_NOTIFICATION tenants/acme.yaml:19:19 spec.repositories[0].notifications[2].method: an e-mail notification needs config.email",
      'QG_TENANT_NOTIFICATION tenants/acme.yaml:24:28 spec.repositories[0].notifications[3].config.robot: Quay notifies users and teams, not robots (it refuses a robot as "Unknown user": a robot cannot sign in to read it); name a user or a team',
      'QG_TENANT_REFERENCE tenants/acme.yaml:28:27 spec.repositories[0].notifications[4].config.team: team "ghosts" is not a team of this tenant; declare it under spec.teams (teams: devs, lab-automation, owners)',
    ]);
  });

  it("a Slack URL or a webhook URL with a token is a secret: refused in the file, never echoed", () => {
    const r = load({
      acme: `notifications:
  - event: repo_push
    method: slack
    config: { url: "https://hooks.slack.com/services/T0/B0/hunter2" }
  - event: repo_push
    method: webhook
    config: { url: "https://ci.acme.example/hook?token=hunter3" }
  - event: repo_push
    method: webhook
    title: basic
    config: { url: "https://bot:hunter4@ci.acme.example/hook" }
  - event: repo_push
    method: webhook
    title: ok
    config: { url: "https://ci.acme.example/hook?branch=main" }
`,
    });
    expect(codes(r)).toEqual([
      "QG_TENANT_INLINE_SECRET",
      "QG_TENANT_INLINE_SECRET",
      "QG_TENANT_INLINE_SECRET",
    ]);
    for (const d of r.diagnostics) expect(d.message).not.toMatch(/hunter/);
    expect(lines(r)[0]).toContain("a Slack webhook URL is its own secret");
    expect(lines(r)[1]).toContain("this URL carries a secret (the query parameter token)");
    expect(lines(r)[2]).toContain("this URL carries a secret (a user name or password before the host)");
  });

  it("event settings belong to their events; repo_image_expiry needs days", () => {
    const r = load({
      acme: `notifications:
  - event: repo_push
    method: email
    config: { email: ops@acme.example }
    eventConfig: { level: High, days: 3 }
  - event: repo_image_expiry
    method: email
    config: { email: ops@acme.example }
  - event: vulnerability_found
    method: email
    config: { email: ops@acme.example }
    eventConfig: { level: Severe }
`,
    });
    expect(lines(r)).toEqual([
      "QG_TENANT_NOTIFICATION tenants/acme.yaml:10:29 spec.notifications[0].eventConfig.level: level is a setting of vulnerability_found, not of repo_push",
      "QG_TENANT_NOTIFICATION tenants/acme.yaml:10:41 spec.notifications[0].eventConfig.days: days is a setting of repo_image_expiry, not of repo_push",
      "QG_TENANT_NOTIFICATION tenants/acme.yaml:11:14 spec.notifications[1].event: repo_image_expiry needs eventConfig.days: how many days before a tag expires",
      'QG_TENANT_SCHEMA tenants/acme.yaml:17:29 spec.notifications[2].eventConfig.level: "Severe" is not one of Critical, High, Medium, Low, Negligible, Unknown',
    ]);
  });

  it("a webhook to a host Quay refuses (localhost, 127.0.0.1, as Python's urlparse reads it)", () => {
    const r = load({
      acme: `notifications:
  - event: repo_push
    method: webhook
    config: { url: "http://LOCALHOST:8080/hook" }
  - event: repo_push
    method: webhook
    title: loopback
    config: { url: "https://127.0.0.1/hook" }
  - event: repo_push
    method: webhook
    title: other
    config: { url: "http://127.0.0.2/hook" }
`,
    });
    expect(lines(r)).toEqual([
      'QG_TENANT_NOTIFICATION tenants/acme.yaml:9:22 spec.notifications[0].config.url: Quay refuses webhooks to localhost ("Invalid webhook URL"): its notification worker would call itself',
      'QG_TENANT_NOTIFICATION tenants/acme.yaml:13:22 spec.notifications[1].config.url: Quay refuses webhooks to 127.0.0.1 ("Invalid webhook URL"): its notification worker would call itself',
    ]);
  });

  it("a webhook template must be JSON text without an empty placeholder", () => {
    const r = load({
      acme: `notifications:
  - event: repo_push
    method: webhook
    config: { url: "https://ci.acme.example/hook", template: "{text: x}" }
`,
    });
    expect(codes(r)).toEqual(["QG_TENANT_NOTIFICATION"]);
    expect(lines(r)[0]).toContain("not JSON text, which Quay requires of a template");
  });

  it("one notification per event, method and title in a repository, spec.notifications included", () => {
    const r = load({
      acme: `notifications:
  - { event: repo_push, method: email, config: { email: a@acme.example } }
repositories:
  - name: app
    notifications:
      - { event: repo_push, method: email, config: { email: b@acme.example } }
      - { event: repo_push, method: email, title: second, config: { email: b@acme.example } }
`,
    });
    expect(lines(r)).toEqual([
      "QG_TENANT_DUPLICATE tenants/acme.yaml:11:11 spec.repositories[0].notifications[0]: a second repo_push email notification of repository app (first at line 7, in spec.notifications, which every repository gets); give one a title of its own",
    ]);
  });

  it("a mirror event on a repository without a mirror never fires (warning)", () => {
    const r = load({
      acme: `repositories:
  - name: app
    notifications:
      - { event: repo_mirror_sync_failed, method: email, config: { email: a@acme.example } }
`,
    });
    expect(lines(r)).toEqual([]);
    expect(lines(r, "warning")).toEqual([
      "QG_TENANT_NOTIFICATION tenants/acme.yaml:9:20 spec.repositories[0].notifications[0].event: repo_mirror_sync_failed never fires: repository app has no mirror",
    ]);
  });

  describe("immutability", () => {
    it("patterns Quay compiles, one per pattern and scope whatever tagPatternMatches says", () => {
      const r = load(
        {
          acme: `immutability:
  - tagPattern: "v[0-9"
  - tagPattern: "(?P<major>[0-9]+)\\\\.(?P=major)"
  - tagPattern: latest
  - tagPattern: latest
    tagPatternMatches: false
repositories:
  - name: app
    immutability: [{ tagPattern: latest }, { tagPattern: " padded" }]
`,
        },
        { registry: IMMUTABLE },
      );
      expect(lines(r)).toEqual([
        'QG_TENANT_IMMUTABILITY tenants/acme.yaml:7:19 spec.immutability[0].tagPattern: "v[0-9" is not a regular expression Quay compiles: /v[0-9/: Unterminated character class',
        'QG_TENANT_DUPLICATE tenants/acme.yaml:10:19 spec.immutability[3].tagPattern: the pattern "latest" is already used at line 9; Quay keeps one immutability policy per pattern, whatever tagPatternMatches says',
        'QG_TENANT_IMMUTABILITY tenants/acme.yaml:14:60 spec.repositories[0].immutability[1].tagPattern: " padded" is not a regular expression without white space at either end (Quay strips it), at most 256 characters',
      ]);
    });

    it("needs features.immutableTags: FEATURE_IMMUTABLE_TAGS is off in Quay by default", () => {
      const r = load({ acme: "repositories: [{ name: app, immutability: [{ tagPattern: v.* }] }]\n" });
      expect(lines(r)).toEqual([
        "QG_TENANT_FEATURE tenants/acme.yaml:6:31 spec.repositories[0].immutability: an immutability policy needs FEATURE_IMMUTABLE_TAGS in Quay, which is off in this registry (features.immutableTags in stacks/test.registry.yaml); remove it or ask the lab admins to turn the feature on",
      ]);
    });

    it("refused in an organization that is a proxy cache, as Quay refuses the proxy cache", () => {
      const r = load(
        {
          acme: `proxyCache: { upstream: quay.io/acme }
immutability: [{ tagPattern: "v.*" }]
`,
        },
        { registry: IMMUTABLE },
      );
      expect(codes(r)).toEqual(["QG_TENANT_IMMUTABILITY"]);
      expect(lines(r)[0]).toMatch(
        /^QG_TENANT_IMMUTABILITY tenants\/acme.yaml:7:18 spec.immutability\[0\]: an immutability policy in an organization that is a proxy cache \(line 6\): Quay refuses a proxy cache while immutable tags exist/,
      );
    });
  });
});
