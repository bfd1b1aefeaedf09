/** The generator's encoders against real values (formats.md §5.2, §5.3 item 6, and real audit records). */
import { describe, expect, it } from "vitest";
import {
  auditRecordId,
  auditRecordTicks,
  dotnetTicks,
  entraRequestId,
  requestIdToUti,
  ticksToUnixMs,
  utiToRequestId,
} from "../../../src/emulator/generator/encode.js";

const REAL_UTI: Array<[string, string]> = [
  ["WLtpsEhPQU-TgOJsPWy2AA", "b069bb58-4f48-4f41-9380-e26c3d6cb600"],
  ["Vb25Vsw2gEG5lycPpuYaAA", "56b9bd55-36cc-4180-b997-270fa6e61a00"],
  ["xMFjTVvJPE2OChJx_YE-AA", "4d63c1c4-c95b-4d3c-8e0a-1271fd813e00"],
  ["3kVZRE8tFkinHtPA7_EFAA", "445945de-2d4f-4816-a71e-d3c0eff10500"],
];

// Real Exchange audit records: CreationTime and Id (formats.md §2.5.1; /work/shared/realdata msticnb-testdata).
const REAL_AUDIT: Array<[string, string]> = [
  ["2023-09-26T01:56:15", "85d29e27-be28-4f2c-96c8-08dbbe33c473"],
  ["2021-02-24T04:12:27", "2c91e7c8-5657-48b2-3743-08d8d87a659b"],
  ["2021-02-24T10:15:27", "46f28c2a-0739-4058-770c-08d8d8ad1b67"],
  ["2021-02-24T10:27:18", "124ace36-bf34-4040-3018-08d8d8aec373"],
];

describe("generator encoders", () => {
  it.each(REAL_UTI)("unique token id %s ↔ request id %s", (uti, requestId) => {
    expect(requestIdToUti(requestId)).toBe(uti);
    expect(utiToRequestId(uti)).toBe(requestId);
  });

  it("is case-sensitive and rejects what is not a 22-character base64url value", () => {
    expect(utiToRequestId("wltpsehpqu-tgojspwy2aa")).not.toBe(REAL_UTI[0]![1]);
    expect(() => utiToRequestId("WLtpsEhPQU-TgOJsPWy2A")).toThrow(RangeError);
    expect(() => utiToRequestId("WLtpsEhPQU+TgOJsPWy2AA")).toThrow(RangeError);
    expect(() => requestIdToUti("not-a-guid")).toThrow(RangeError);
  });

  it.each(REAL_AUDIT)("the audit Id of an event at %s carries its .NET ticks (%s)", (creationTime, id) => {
    const ticks = auditRecordTicks(id)!;
    const ms = ticksToUnixMs(ticks);
    // The Id's ticks fall within the CreationTime second (CreationTime is truncated to seconds).
    expect(new Date(ms).toISOString().slice(0, 19)).toBe(creationTime);
  });

  it("builds audit Ids whose last group is the top 48 bits of the ticks, matching the real sample", () => {
    const ms = Date.parse("2023-09-26T01:56:15.154Z");
    const id = auditRecordId(new Uint8Array(10), ms);
    expect(id).toMatch(/^00000000-0000-0000-0000-08dbbe33c4[0-9a-f]{2}$/);
    expect(id.slice(24)).toBe((dotnetTicks(ms) >> 16n).toString(16).padStart(12, "0"));
    expect(new Date(ticksToUnixMs(auditRecordTicks(id)!)).toISOString().slice(0, 19)).toBe(
      "2023-09-26T01:56:15",
    );
  });

  it("makes Entra request ids that end in 00, so their token ids end in AA, like real ones", () => {
    const bytes = Uint8Array.from({ length: 16 }, (_, i) => (i * 37 + 11) & 0xff);
    const id = entraRequestId(bytes);
    expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{10}00$/);
    expect(requestIdToUti(id)).toMatch(/^[A-Za-z0-9_-]{20}AA$/);
    expect(utiToRequestId(requestIdToUti(id))).toBe(id);
  });
});
