/** "did you mean" support: edit distance with transpositions (optimal string alignment). */
export function editDistance(a: string, b: string): number {
  const d: number[][] = Array.from({ length: a.length + 1 }, (_, i) => [i, ...Array<number>(b.length).fill(0)]);
  for (let j = 1; j <= b.length; j++) d[0][j] = j;
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      d[i][j] = Math.min(d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) d[i][j] = Math.min(d[i][j], d[i - 2][j - 2] + 1);
    }
  }
  return d[a.length][b.length];
}

/** The candidate closest to `word` within distance 2, if any; ties go to the earlier candidate. */
export function closest(word: string, candidates: Iterable<string>): string | undefined {
  const w = word.toLowerCase();
  let best: string | undefined;
  let bestDistance = 3;
  for (const c of candidates) {
    if (c === word) continue;
    const dist = editDistance(w, c.toLowerCase());
    // A distance as large as the word itself would "match" any short word.
    if (dist < bestDistance && dist < Math.max(w.length, 2)) {
      best = c;
      bestDistance = dist;
    }
  }
  return best;
}

/** ` (did you mean "x"?)`, or "" when nothing is close. */
export function didYouMean(word: string, candidates: Iterable<string>): string {
  const c = closest(word, candidates);
  return c === undefined ? '' : ` (did you mean "${c}"?)`;
}

export function unknownKeyMessage(key: string, valid: readonly string[]): string {
  // Collector configs carry `auth: {authenticator: …}`; "unknown key" would read as a typo.
  if (key === 'auth') return `authentication ("auth") is not supported on this component in Summit; valid keys: ${valid.join(', ')}`;
  if (valid.length === 0) return `unknown key "${key}"; no keys are allowed here`;
  return `unknown key "${key}"; valid keys: ${valid.join(', ')}${didYouMean(key, valid)}`;
}
