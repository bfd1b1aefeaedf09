/**
 * `has_any` against many needles, exactly per the term definition of sqltext.termPattern, without a regex: RE2 falls
 * back to its slow NFA once an alternation of hundreds of GUIDs exceeds its DFA memory, which made a 20k-row scan take
 * tens of seconds. Instead, at each term start of the text a 1–4 character ASCII-lower-cased prefix selects the
 * candidate needles, which are then compared case-insensitively with their right boundary checked.
 */

const isAlnum = (c: number): boolean => (c >= 48 && c <= 57) || (c >= 65 && c <= 90) || (c >= 97 && c <= 122);
const lowerAscii = (c: number): number => (c >= 65 && c <= 90 ? c + 32 : c);

export class NeedleMatcher {
  /** Needles starting with an ASCII alphanumeric, by prefix key, per key length 1..4. */
  private readonly buckets: Map<number, string[]>[] = [0, 1, 2, 3, 4].map(() => new Map<number, string[]>());
  private readonly keyLengths: number[] = [];
  /** Other needles (leading punctuation or non-ASCII in the prefix): one JS regex, rarely used. */
  private readonly rest: RegExp | undefined;

  constructor(needles: readonly string[]) {
    const others: string[] = [];
    const seenKeyLengths = new Set<number>();
    for (const raw of new Set(needles)) {
      if (raw === "") continue;
      const n = raw.toLowerCase();
      const k = Math.min(4, n.length);
      const head = n.slice(0, k);
      if (!isAlnum(n.charCodeAt(0)) || /[^\x20-\x7e]/.test(head) || n.length !== raw.length) {
        others.push(raw);
        continue;
      }
      const key = NeedleMatcher.key(head, 0, k);
      const bucket = this.buckets[k];
      if (!bucket) continue;
      const list = bucket.get(key);
      if (list) list.push(n);
      else bucket.set(key, [n]);
      seenKeyLengths.add(k);
    }
    this.keyLengths = [...seenKeyLengths].sort((a, b) => a - b);
    if (others.length) {
      const esc = (s: string): string => s.replace(/[\\^$.|?*+()[\]{}]/g, "\\$&");
      const alt = others.map((n) => {
        const left = /^[0-9A-Za-z]/.test(n) ? "(?<![0-9A-Za-z])" : "";
        const right = /[0-9A-Za-z]$/.test(n) ? "(?![0-9A-Za-z])" : "";
        return `${left}${esc(n)}${right}`;
      });
      this.rest = new RegExp(alt.join("|"), "is");
    }
  }

  /** Packed ASCII-lower-cased char codes of s[from, from+k). */
  private static key(s: string, from: number, k: number): number {
    let key = 0;
    for (let j = 0; j < k; j++) key = key * 128 + (lowerAscii(s.charCodeAt(from + j)) & 127);
    return key;
  }

  get size(): number {
    return this.buckets.reduce((n, b) => n + [...b.values()].reduce((m, l) => m + l.length, 0), 0);
  }

  test(s: string): boolean {
    const len = s.length;
    const lengths = this.keyLengths;
    if (lengths.length) {
      let prevAlnum = false;
      for (let i = 0; i < len; i++) {
        const c = s.charCodeAt(i);
        const alnum = isAlnum(c);
        if (alnum && !prevAlnum && this.matchAt(s, i, len, lengths)) return true;
        prevAlnum = alnum;
      }
    }
    return this.rest ? this.rest.test(s) : false;
  }

  private matchAt(s: string, i: number, len: number, lengths: readonly number[]): boolean {
    for (const k of lengths) {
      if (i + k > len) return false;
      const list = this.buckets[k]?.get(NeedleMatcher.key(s, i, k));
      if (!list) continue;
      for (const n of list) {
        const end = i + n.length;
        if (end > len) continue;
        if (isAlnum(n.charCodeAt(n.length - 1)) && end < len && isAlnum(s.charCodeAt(end))) continue;
        if (s.slice(i, end).toLowerCase() === n) return true;
      }
    }
    return false;
  }
}
