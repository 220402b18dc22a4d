// Redis's glob matching (util.c's stringmatchlen), the one matcher behind KEYS, SCAN MATCH,
// CONFIG GET, COMMAND LIST FILTERBY PATTERN, PSUBSCRIBE delivery and PUBSUB CHANNELS (CLIENT KILL
// takes no pattern in Redis 7.0). Strings hold one byte per char (latin1).
//
// A naive backtracking matcher is exponential in the number of '*' ("a*a*a*...b" against
// "aaaa..."). Redis bounds it two ways, and so does this one, with the same answers:
// once the rest of the pattern after a '*' has failed against every suffix of the string,
// no longer match can succeed either, so every enclosing '*' stops retrying
// (skipLongerMatches); and nesting beyond MAX_NESTING '*'s is no match at all.

const STAR = 42;
const QUESTION = 63;
const OPEN = 91;
const CLOSE = 93;
const CARET = 94;
const DASH = 45;
const BACKSLASH = 92;

/** Redis's limit on '*' recursion (CVE-2022-36021). */
const MAX_NESTING = 1000;

/** C's tolower in the "C" locale: only A-Z change. */
const lower = (c: number): number => (c >= 65 && c <= 90 ? c + 32 : c);

/** Whether s holds a wildcard (*, ? or [), which makes it a pattern rather than a name. */
export function hasWildcards(s: string): boolean {
  return /[*?[]/.test(s);
}

/** stringmatchlen: true when s matches the glob pattern. */
export function globMatch(pattern: string, s: string, nocase = false): boolean {
  // Only a consumed char lets trailing '*'s match nothing: "*" does not match "" (KEYS and
  // SCAN shortcut a lone "*" themselves).
  if (s.length === 0) return pattern.length === 0;
  return matchAt(pattern, 0, s, 0, nocase, { longer: false }, 0);
}

/** stringmatchlen_impl: pattern from pi against s from si. */
function matchAt(
  p: string, pi: number, s: string, si: number, nocase: boolean, skip: { longer: boolean }, nesting: number,
): boolean {
  if (nesting > MAX_NESTING) return false;
  const plen = p.length;
  const slen = s.length;
  while (pi < plen && si < slen) {
    switch (p.charCodeAt(pi)) {
      case STAR: {
        while (pi + 1 < plen && p.charCodeAt(pi + 1) === STAR) pi++;
        if (pi + 1 === plen) return true;
        for (; si < slen; si++) {
          if (matchAt(p, pi + 1, s, si, nocase, skip, nesting + 1)) return true;
          if (skip.longer) return false;
        }
        skip.longer = true;
        return false;
      }
      case QUESTION:
        break;
      case OPEN: {
        pi++;
        const not = pi < plen && p.charCodeAt(pi) === CARET;
        if (not) pi++;
        const c = s.charCodeAt(si);
        let match = false;
        for (;;) {
          if (pi + 1 < plen && p.charCodeAt(pi) === BACKSLASH) {
            pi++;
            if (p.charCodeAt(pi) === c) match = true;
          } else if (pi < plen && p.charCodeAt(pi) === CLOSE) {
            break;
          } else if (pi >= plen) {
            // An unclosed class ends with the pattern; the step below moves past its end.
            pi--;
            break;
          } else if (pi + 2 < plen && p.charCodeAt(pi + 1) === DASH) {
            let start = p.charCodeAt(pi);
            let end = p.charCodeAt(pi + 2);
            if (start > end) [start, end] = [end, start];
            const ch = nocase ? lower(c) : c;
            if (nocase) {
              start = lower(start);
              end = lower(end);
            }
            pi += 2;
            if (ch >= start && ch <= end) match = true;
          } else if (nocase ? lower(p.charCodeAt(pi)) === lower(c) : p.charCodeAt(pi) === c) {
            match = true;
          }
          pi++;
        }
        if (not) match = !match;
        if (!match) return false;
        break;
      }
      default: {
        // A backslash makes the next char a literal (a trailing one is itself literal).
        if (p.charCodeAt(pi) === BACKSLASH && pi + 1 < plen) pi++;
        const a = p.charCodeAt(pi);
        const b = s.charCodeAt(si);
        if (nocase ? lower(a) !== lower(b) : a !== b) return false;
      }
    }
    pi++;
    si++;
  }
  if (si === slen) while (pi < plen && p.charCodeAt(pi) === STAR) pi++;
  return pi >= plen && si === slen;
}
