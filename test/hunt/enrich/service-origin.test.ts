import { describe, expect, it } from "vitest";
import { isServiceOriginated, serviceContextOf } from "../../../src/hunt/enrich/service-origin.js";

// formats.md §2.5.1: a real New-InboxRule made by a user through OWA. AppId is Exchange Online itself and UserType
// is 2, yet the ClientIP is the user's: it must stay usable for IP links.
const OWA_NEW_INBOX_RULE = {
  ClientIP: "203.0.113.45:19823",
  UserId: "JaneD@M365X000000.OnMicrosoft.com",
  UserType: 2,
  AppId: "00000002-0000-0ff1-ce00-000000000000",
  ClientAppId: "",
  ExternalAccess: false,
  OriginatingServer: "CH3PR10MB7864 (15.20.6813.027)",
};

// Azure-sentinel training lab (realdata): a system folder-permission change, as an OfficeActivity row.
const SYSTEM_OFFICE_ACTIVITY_ROW = {
  UserType: "Admin",
  UserId: "S-1-5-18",
  ClientIP: "::1",
  ExternalAccess: "TRUE",
  Logon_Type: "Admin",
  InternalLogonType: "1",
};

describe("isServiceOriginated: from the record's context, never from the network", () => {
  it("does not treat an OWA user action as service-originated (Exchange AppId, UserType 2)", () => {
    const r = isServiceOriginated(serviceContextOf(OWA_NEW_INBOX_RULE));
    expect(r.serviceOriginated).toBe(false);
    expect(r.reason).toMatch(/client/);
  });

  it("never excludes an address just because Microsoft/Azure announces it (attackers rent Azure VMs)", () => {
    // 20.190.163.29 and 40.69.136.121 are in AS8075 (Microsoft); with a user's context they are the actor's IPs.
    for (const ip of ["20.190.163.29", "40.69.136.121:50123", "[2603:1030::1]:443"]) {
      const r = isServiceOriginated({ ...serviceContextOf(OWA_NEW_INBOX_RULE), ip });
      expect(r).toEqual({ serviceOriginated: false, reason: expect.stringMatching(/client/) as unknown });
    }
  });

  it("keeps OWA ViaProxy sessions (an AiTM marker) as the client's IP", () => {
    const r = isServiceOriginated({
      ip: "198.51.100.9",
      clientInfoString: "Client=OWA;Action=ViaProxy",
      userType: 0,
    });
    expect(r.serviceOriginated).toBe(false);
  });

  it("recognises the real system row (S-1-5-18, ::1)", () => {
    const r = isServiceOriginated(serviceContextOf(SYSTEM_OFFICE_ACTIVITY_ROW));
    expect(r.serviceOriginated).toBe(true);
  });

  const user = { ip: "198.51.100.20", userId: "adele@contoso.com", userType: 0 };
  it.each([
    ["loopback ::1", { ...user, ip: "::1" }, /loopback/],
    ["loopback 127.0.0.1 with port", { ...user, ip: "127.0.0.1:443" }, /loopback/],
    ["mapped loopback", { ...user, ip: "[::ffff:127.0.0.1]:80" }, /loopback/],
    ["empty IP", { ...user, ip: "" }, /no client IP/],
    ["null IP", { ...user, ip: null }, /no client IP/],
    ["localhost", { ...user, ip: "localhost" }, /localhost/],
    [
      "NT AUTHORITY\\SYSTEM",
      { ...user, userId: "NT AUTHORITY\\SYSTEM (Microsoft.Exchange.ServiceHost)" },
      /system principal/,
    ],
    ["NT SERVICE account", { ...user, userId: "NT SERVICE\\MSExchangeAdminApiNetCore" }, /system principal/],
    ["UserType 3 (DcAdmin)", { ...user, userType: 3 }, /DcAdmin/],
    ["UserType 4 (System)", { ...user, userType: 4 }, /System/],
    ["UserType name System (OfficeActivity)", { ...user, userType: "System" }, /System/],
    ["LogonType 4 SystemService", { ...user, logonType: 4 }, /SystemService/],
    ["Logon_Type Transport (Sentinel)", { ...user, logonType: "Transport" }, /Transport/],
    ["InternalLogonType 3", { ...user, internalLogonType: "3" }, /Transport/],
    ["ExternalAccess true", { ...user, externalAccess: true }, /ExternalAccess/],
    ["ExternalAccess TRUE (CSV)", { ...user, externalAccess: "TRUE" }, /ExternalAccess/],
    ["Client=RESTSystem", { ...user, clientInfoString: "Client=REST;Client=RESTSystem;;" }, /RESTSystem/],
    [
      "RESTSystem in ActorInfoString",
      { ...user, actorInfoString: "Client=REST;Client=RESTSystem;UserAgent=[NoUserAgent]" },
      /RESTSystem/,
    ],
    [
      "group mailbox service",
      { ...user, clientInfoString: "Client=WebServices;Action=ConfigureGroupMailbox" },
      /ConfigureGroupMailbox/,
    ],
  ])("%s → service-originated", (_name, ctx, reason) => {
    const r = isServiceOriginated(ctx);
    expect(r.serviceOriginated).toBe(true);
    expect(r.reason).toMatch(reason);
  });

  it.each([
    ["UserType 0 Regular", { ...user }],
    ["UserType 2 Admin (OWA users show it)", { ...user, userType: 2 }],
    ["UserType 5 Application", { ...user, userType: 5 }],
    ["ExternalAccess false (CSV)", { ...user, externalAccess: "FALSE" }],
    ["LogonType 0 Owner", { ...user, logonType: 0 }],
    ["LogonType 2 Delegated", { ...user, logonType: "Delegated" }],
    ["Outlook desktop", { ...user, clientInfoString: "Client=MSExchangeRPC" }],
    ["plain REST", { ...user, clientInfoString: "Client=REST;;" }],
    ["EWS client", { ...user, clientInfoString: "Client=WebServices;eM Client" }],
  ])("%s → not service-originated", (_name, ctx) => {
    expect(isServiceOriginated(ctx).serviceOriginated).toBe(false);
  });

  it("says when the address is unusable without calling it Microsoft's", () => {
    const r = isServiceOriginated({ ...user, ip: "cool.client.local:12345" });
    expect(r.serviceOriginated).toBe(false);
    expect(r.reason).toMatch(/unusable: hostname/);
  });
});

describe("serviceContextOf", () => {
  it("prefers ClientIPAddress (mailbox events) over ClientIP", () => {
    expect(serviceContextOf({ ClientIP: "40.69.136.121", ClientIPAddress: "198.51.100.7" }).ip).toBe(
      "198.51.100.7",
    );
    expect(serviceContextOf({ ClientIP: "198.51.100.8", ClientIPAddress: "" }).ip).toBe("198.51.100.8");
  });
  it("reads Sentinel's Logon_Type and string ExternalAccess", () => {
    const ctx = serviceContextOf(SYSTEM_OFFICE_ACTIVITY_ROW);
    expect(ctx).toMatchObject({
      logonType: "Admin",
      externalAccess: "TRUE",
      userId: "S-1-5-18",
      userType: "Admin",
    });
  });
});
