/** JSON helpers with no Node imports: the services and the pages both use them. */
/**
 * How many levels of arrays and objects `value` nests, counted without recursion: a hostile body nests thousands
 * of levels in a few kilobytes, and JSON.stringify or a recursive schema overflow the stack on it.
 */
export function jsonNesting(value: unknown): number {
  let deepest = 0;
  const stack: [unknown, number][] = [[value, 1]];
  while (stack.length > 0) {
    const [item, depth] = stack.pop()!;
    if (typeof item !== 'object' || item === null) continue;
    deepest = Math.max(deepest, depth);
    for (const child of Object.values(item)) stack.push([child, depth + 1]);
  }
  return deepest;
}

/**
 * JSON with keys sorted at every level and no whitespace, so one value has one spelling (a released result, a
 * federated plan whose hash a job commits to). Call it on values whose nesting is bounded (see jsonNesting).
 */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(value, (_key, item: unknown) =>
    item !== null && typeof item === 'object' && !Array.isArray(item) ? Object.fromEntries(Object.entries(item).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) : item,
  );
}
