/** First-party client apps and resources that appear in the generated sign-ins and audit records. */
export interface AppRef {
  id: string;
  name: string;
}

export const APPS = {
  officeHome: { id: "4765445b-32c6-49b0-83e6-1d93765276ca", name: "OfficeHome" },
  owa: { id: "9199bf20-a13f-4107-85dc-02114787ef48", name: "One Outlook Web" },
  office: { id: "d3590ed6-52b3-4102-aeff-aad2292ab01c", name: "Microsoft Office" },
  outlookMobile: { id: "27922004-5251-4030-b22d-91ecd9a37ea4", name: "Outlook Mobile" },
  exoPowerShell: {
    id: "fb78d390-0c51-40cd-8e17-fdbfab77341b",
    name: "Microsoft Exchange REST API Based Powershell",
  },
} as const satisfies Record<string, AppRef>;

export const RESOURCES = {
  exchange: { id: "00000002-0000-0ff1-ce00-000000000000", name: "Office 365 Exchange Online" },
  graph: { id: "00000003-0000-0000-c000-000000000000", name: "Microsoft Graph" },
  officeHome: { id: "4765445b-32c6-49b0-83e6-1d93765276ca", name: "OfficeHome" },
} as const satisfies Record<string, AppRef>;

/** Exchange Online in CloudAppEvents (ApplicationId, formats.md §1.1). */
export const EXO_APPLICATION_ID = 20893;
