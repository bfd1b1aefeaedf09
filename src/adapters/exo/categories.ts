/**
 * Error categories of the bridge protocol and how an Exchange error maps onto one. The script holds the same two
 * tables (`$ErrorMessageCategories`, `$ErrorTypeCategories`); a test fails when they differ.
 *
 * Exchange REST errors carry `<ErrorId>|<.NET exception type>|<message>` (apis.md B3); the docs say the format may
 * change, so the category comes from the exception type token, with a few message fragments checked first (an
 * ambiguous identity is reported with a not-found type and "matches multiple entries" in the text).
 */
export const ERROR_CATEGORIES = [
  "NotFound",
  "Ambiguous",
  "AccessDenied",
  "InvalidParameter",
  "NotConnected",
  "Throttled",
  "Unsupported",
  "Failed",
] as const;
export type ErrorCategory = (typeof ERROR_CATEGORIES)[number];

/** Checked first, in order, case-insensitively, as substrings of the message. */
export const ERROR_MESSAGE_CATEGORIES: ReadonlyArray<readonly [fragment: string, category: ErrorCategory]> = [
  ["matches multiple entries", "Ambiguous"],
  ["maximum number of concurrent requests", "Throttled"],
];

/** Then the last segment of the exception type name, compared exactly. */
export const ERROR_TYPE_CATEGORIES: Readonly<Record<string, ErrorCategory>> = {
  ManagementObjectNotFoundException: "NotFound",
  ManagementObjectAmbiguousException: "Ambiguous",
  UnauthorizedAccessException: "AccessDenied",
  ParameterBindingException: "InvalidParameter",
  ParameterBindingValidationException: "InvalidParameter",
  ParameterBindingArgumentTransformationException: "InvalidParameter",
  ValidationMetadataException: "InvalidParameter",
  ArgumentException: "InvalidParameter",
  ArgumentNullException: "InvalidParameter",
  ArgumentOutOfRangeException: "InvalidParameter",
  CommandNotFoundException: "Unsupported",
  NotSupportedException: "Unsupported",
};

export function categorizeError(type: string, message: string): ErrorCategory {
  const lower = message.toLowerCase();
  for (const [fragment, category] of ERROR_MESSAGE_CATEGORIES) {
    if (lower.includes(fragment.toLowerCase())) return category;
  }
  const shortType = type.slice(type.lastIndexOf(".") + 1);
  return ERROR_TYPE_CATEGORIES[shortType] ?? "Failed";
}

/**
 * Splits an Exchange error text `<ErrorId>|<type>|<message>` (optionally prefixed `Write-ErrorMessage : `).
 * Returns null when the text has another shape.
 */
export function splitExchangeErrorText(text: string): { type: string; message: string } | null {
  const match = /^\s*(?:[\w-]+\s*:\s*)?[A-Za-z0-9]+\|([A-Za-z_][\w.]*)\|([\s\S]*)$/.exec(text);
  if (!match) return null;
  return { type: match[1] ?? "", message: (match[2] ?? "").trim() };
}
