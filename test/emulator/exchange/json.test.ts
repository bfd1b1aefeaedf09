import { describe, expect, it } from "vitest";
import { quoteLargeIntegers, RawJsonNumber, stringifyRest } from "../../../src/emulator/exchange/json.js";

describe("REST JSON with uint64 values", () => {
  it("writes a RawJsonNumber as unquoted digits and everything else as JSON", () => {
    const text = stringifyRest({
      a: new RawJsonNumber("15394007230974001153"),
      b: ['x"y', null, true, 1.5],
      c: {},
    });
    expect(text).toBe('{"a":15394007230974001153,"b":["x\\"y",null,true,1.5],"c":{}}');
  });

  it("quotes integers beyond 2^53 outside strings so JSON.parse keeps every digit", () => {
    const text =
      '{"RuleIdentity":15394007230974001153,"Priority":1,"Name":"15394007230974001153 \\" 99999999999999999999","n":-18446744073709551615,"f":1.5e300,"s":9007199254740991}';
    const parsed = JSON.parse(quoteLargeIntegers(text));
    expect(parsed).toEqual({
      RuleIdentity: "15394007230974001153",
      Priority: 1,
      Name: '15394007230974001153 " 99999999999999999999',
      n: "-18446744073709551615",
      f: 1.5e300,
      s: 9007199254740991,
    });
  });

  it("leaves a text without large integers unchanged", () => {
    const text = '{"a":[1,2,{"b":"c\\\\"}],"d":false}';
    expect(quoteLargeIntegers(text)).toBe(text);
  });
});
