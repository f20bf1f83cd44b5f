import { describe, expect, it } from 'vitest';
import { LOCALES, messagesFor } from './config.ts';

/** Every key path of a message tree, with the {placeholders} of its text. */
function paths(tree: unknown, prefix = ''): string[] {
  if (typeof tree === 'string')
    return [
      `${prefix} ${[...tree.matchAll(/\{(\w+)/g)]
        .map((m) => m[1])
        .sort()
        .join(',')}`,
    ];
  return Object.entries(tree as Record<string, unknown>).flatMap(([k, v]) => paths(v, prefix ? `${prefix}.${k}` : k));
}

describe('messages', () => {
  it('every language has the same keys and placeholders', () => {
    const [first, ...rest] = LOCALES.map((l) => paths(messagesFor(l)).sort());
    for (const other of rest) expect(other).toEqual(first);
  });
  it('no text is empty', () => {
    const texts = (tree: unknown): string[] =>
      typeof tree === 'string' ? [tree] : Object.values(tree as Record<string, unknown>).flatMap(texts);
    for (const l of LOCALES) expect(texts(messagesFor(l)).filter((t) => !t.trim())).toEqual([]);
  });
});
