// ACL LIST and GETUSER name single commands in the order of Redis's hash table, which
// changes from process to process: tests compare the rules with those sorted.

/**
 * Command rules with their single-command tail sorted ("-@all +@string -set +get" gives
 * "-@all +@string +get -set"), leaving out the commands in `without` (ones a server lacks).
 */
export function sortedRules(s: string, without: ReadonlySet<string> = new Set()): string {
  return s.replace(/([+-]@all(?: [+-]@[a-z]+)*)((?: [+-][^@ ()][^ ()]*)+)/g, (_, head: string, tail: string) => {
    const singles = tail.trim().split(' ').filter((t) => !without.has(t.slice(1).split('|')[0]!));
    return [head, ...singles.sort()].join(' ');
  });
}
