/** Kusto type names as Graph's hunting schema spells them → the Log Analytics API's column types [D]. */
const MAP: Record<string, string> = {
  string: "string",
  datetime: "datetime",
  int32: "int",
  int: "int",
  int64: "long",
  long: "long",
  double: "real",
  real: "real",
  boolean: "bool",
  bool: "bool",
  dynamic: "dynamic",
  object: "dynamic",
  guid: "guid",
  timespan: "timespan",
  decimal: "decimal",
};

export function laTypeOf(type: string): string {
  return MAP[type.toLowerCase()] ?? "string";
}
