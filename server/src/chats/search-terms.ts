import { invalidField } from '../util/errors.ts';

/**
 * `?q=` of GET /chats (docs/search.md): the words of the query, each to be found in the chat's
 * messages, in any order. A word is what stands between spaces; one without a letter or digit is
 * dropped. The last word also matches as a prefix when it is all letters and digits ("refu" finds
 * "refund"), so results follow the typing.
 */
export interface SearchTerm {
  text: string;
  prefix: boolean;
}

export const MAX_SEARCH_WORDS = 10;

const WORDY = /[\p{L}\p{N}]/u;
const PLAIN = /^[\p{L}\p{N}]+$/u;

export function searchTerms(q: string): SearchTerm[] {
  const words = q.split(/\s+/u).filter((word) => WORDY.test(word));
  if (words.length === 0) throw invalidField('q', 'has no word to search for');
  if (words.length > MAX_SEARCH_WORDS) throw invalidField('q', `has more than ${MAX_SEARCH_WORDS} words`);
  return words.map((word, i) => {
    const text = word.toLowerCase();
    return { text, prefix: i === words.length - 1 && PLAIN.test(text) };
  });
}

/** SQLite FTS5: the word as one quoted phrase (its tokens in a row), `*` for a prefix. */
export const ftsPhrase = (term: SearchTerm): string =>
  `"${term.text.replaceAll('"', '""')}"${term.prefix ? '*' : ''}`;

/** PostgreSQL: a prefix word as a `to_tsquery` lexeme (letters and digits only, so nothing to quote). */
export const tsPrefix = (term: SearchTerm): string => `'${term.text}':*`;
