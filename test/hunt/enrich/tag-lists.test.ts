import { describe, expect, it } from "vitest";
import {
  ORG_PATTERNS,
  orgPatternEvidence,
  parseAsnTxt,
  parseBadAsnCsv,
  type ListProblem,
} from "../../../src/hunt/enrich/tag-lists.js";
import { ipDataAttribution } from "../../../src/hunt/enrich/attribution.js";

describe("vendored list formats", () => {
  it("X4BNet ASN.txt: `AS<n> # comment`, blank and comment lines skipped, others reported", () => {
    const problems: ListProblem[] = [];
    const asns = parseAsnTxt(
      "AS45090 # Tencent cloud\n\n# header\nas3223\nAS60729 # Tor Servers\nnonsense\n",
      "a.txt",
      problems,
    );
    expect([...asns]).toEqual([45090, 3223, 60729]);
    expect(problems).toEqual([
      { file: "a.txt", line: 6, reason: expect.stringMatching(/nonsense/) as unknown },
    ]);
  });

  it("bad-asn-list CSV: header, quoted or bare ASN, stray spaces", () => {
    const problems: ListProblem[] = [];
    const text =
      'ASN,Entity\n198375,"INULOGIC SARL, FR"\n51447, "RootLayer Web Services Ltd, NL"\n"20248","Take 2 Hosting, Inc."\n\nx,y\n';
    expect([...parseBadAsnCsv(text, "b.csv", problems)]).toEqual([198375, 51447, 20248]);
    expect(problems.map((p) => p.line)).toEqual([6]);
  });
});

describe("organisation-name patterns", () => {
  const sources = (org: string): string[] => orgPatternEvidence(org).map((e) => e.source);

  it.each([
    ["DigitalOcean, LLC", "org-pattern:digitalocean"],
    ["Akamai Connected Cloud", "org-pattern:linode"],
    ["The Constant Company, LLC (Vultr)", "org-pattern:vultr"],
    ["OVH SAS", "org-pattern:ovh"],
    ["Hetzner Online GmbH", "org-pattern:hetzner"],
    ["Contabo GmbH", "org-pattern:contabo"],
    ["M247 Europe SRL", "org-pattern:m247"],
    ["Leaseweb Netherlands B.V.", "org-pattern:leaseweb"],
    ["Amazon.com, Inc.", "org-pattern:amazon"],
    ["Google Cloud Platform", "org-pattern:google-cloud"],
    ["Microsoft Azure Cloud", "org-pattern:microsoft-azure"],
    ["Example VPS Ltd", "org-pattern:vps"],
    ["Some Data Center GmbH", "org-pattern:datacenter"],
    ["Acme Colocation", "org-pattern:colo"],
    ["Best VPN Inc", "org-pattern:vpn"],
  ])("%s → %s", (org, source) => {
    expect(sources(org)).toContain(source);
  });

  it.each([
    "Deutsche Telekom AG",
    "Comcast Cable Communications, LLC",
    "Colorado State University",
    "Google LLC",
    "Microsoft Corporation",
  ])("%s → no pattern (evidence must not come from a word inside another word)", (org) => {
    expect(sources(org)).toEqual([]);
  });

  it("every pattern has an id, a known tag and a valid expression", () => {
    for (const p of ORG_PATTERNS) {
      expect(p.id).toMatch(/^[a-z0-9-]+$/);
      expect(["hosting", "vpn"]).toContain(p.tag);
      expect(p.regex.flags).toContain("i");
    }
  });
});

describe("ipDataAttribution", () => {
  it("credits every data source and licence the bundled data requires", () => {
    const text = ipDataAttribution();
    for (const needed of [
      "RouteViews",
      "NRO",
      "DB-IP",
      "db-ip.com",
      "CC BY 4.0",
      "CC0",
      "X4BNet",
      "bad-asn-list",
      "MIT",
    ]) {
      expect(text).toContain(needed);
    }
  });
});
