import { describe, expect, it } from "vitest";
import { createClock } from "../../src/emulator/clock.js";
import { createIdSource } from "../../src/emulator/ids.js";

describe("createIdSource", () => {
  it("is deterministic for a seed and differs across seeds", () => {
    const a = createIdSource(42);
    const b = createIdSource(42);
    const c = createIdSource(43);
    const seq = (s: ReturnType<typeof createIdSource>) => [
      s.guid(),
      s.graphRuleId(),
      s.ruleIdentity(),
      s.folderId(),
    ];
    const sa = seq(a);
    expect(seq(b)).toEqual(sa);
    expect(seq(c)).not.toEqual(sa);
  });

  it("makes lower-case v4-shaped GUIDs", () => {
    const ids = createIdSource(7);
    for (let i = 0; i < 50; i++) {
      expect(ids.guid()).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    }
  });

  it("makes Graph rule ids of 8 bytes starting 01 00 00 00", () => {
    const ids = createIdSource(7);
    for (let i = 0; i < 20; i++) {
      const id = ids.graphRuleId();
      const bytes = Buffer.from(id, "base64");
      expect(id).toMatch(/^AQAAA[A-Za-z0-9+/]{6}=$/);
      expect(bytes.length).toBe(8);
      expect([...bytes.subarray(0, 4)]).toEqual([1, 0, 0, 0]);
    }
  });

  it("makes RuleIdentity values: uint64 decimal strings with low dword 1, beyond safe integers", () => {
    const ids = createIdSource(9);
    for (let i = 0; i < 20; i++) {
      const v = BigInt(ids.ruleIdentity());
      expect(v & 0xffffffffn).toBe(1n);
      expect(v).toBeLessThanOrEqual(0xffffffffffffffffn);
      expect(v >> 32n).toBeGreaterThan(0n);
    }
  });

  it("does not derive the Graph id from the RuleIdentity (base64(uint64_le) would correlate them)", () => {
    const ids = createIdSource(11);
    for (let i = 0; i < 20; i++) {
      const graphId = ids.graphRuleId();
      const ruleIdentity = BigInt(ids.ruleIdentity());
      const le = Buffer.alloc(8);
      le.writeBigUInt64LE(ruleIdentity);
      expect(le.toString("base64")).not.toBe(graphId);
    }
  });

  it("makes URL-safe folder ids", () => {
    const id = createIdSource(1).folderId();
    expect(id).toMatch(/^AAMkA[A-Za-z0-9_-]+AAA=$/);
  });
});

describe("createClock", () => {
  it("starts at the given time and only moves forward", () => {
    const clock = createClock(new Date("2025-06-02T09:00:00Z"));
    expect(clock.now().toISOString()).toBe("2025-06-02T09:00:00.000Z");
    clock.advance(1500);
    expect(clock.now().toISOString()).toBe("2025-06-02T09:00:01.500Z");
    expect(() => clock.advance(-1)).toThrow(RangeError);
    expect(() => clock.advance(Number.NaN)).toThrow(RangeError);
    expect(clock.now().toISOString()).toBe("2025-06-02T09:00:01.500Z");
  });

  it("hands out copies, so callers cannot move it", () => {
    const clock = createClock(new Date("2025-06-02T09:00:00Z"));
    clock.now().setFullYear(2000);
    expect(clock.now().getUTCFullYear()).toBe(2025);
  });
});
