import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';

/** One sample of a Prometheus text exposition. */
export interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

// Values as Prometheus parses them (Go's ParseFloat: NaN and Inf in any case; prom-client writes "Nan").
const SAMPLE = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (-?[0-9.e+-]+|nan|[+-]inf)$/i;
const LABEL = /([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g;
const COMMENT = /^# (HELP|TYPE) ([a-zA-Z_:][a-zA-Z0-9_:]*) (.*)$/;

/**
 * Parses the text format (version 0.0.4) strictly: every line is a HELP, a TYPE or a sample, each
 * metric has one TYPE, and a sample's labels are well formed. Returns the samples and the types.
 */
export function parseExposition(text: string): { samples: Sample[]; types: Map<string, string> } {
  const samples: Sample[] = [];
  const types = new Map<string, string>();
  for (const line of text.split('\n')) {
    if (line === '') continue;
    const comment = COMMENT.exec(line);
    if (comment) {
      if (comment[1] === 'TYPE') {
        assert.ok(!types.has(comment[2]!), `two TYPE lines for ${comment[2]}`);
        assert.match(comment[3]!, /^(counter|gauge|histogram|summary|untyped)$/);
        types.set(comment[2]!, comment[3]!);
      }
      continue;
    }
    const sample = SAMPLE.exec(line);
    assert.ok(sample, `not a sample line: ${line}`);
    const labels: Record<string, string> = {};
    const rawLabels = sample[2] ?? '';
    for (const [, key, value] of rawLabels.matchAll(LABEL)) labels[key!] = value!;
    assert.equal(rawLabels.replace(LABEL, '').replace(/,/g, ''), '', `malformed labels in: ${line}`);
    samples.push({ name: sample[1]!, labels, value: Number(sample[3]) });
  }
  return { samples, types };
}

/** The metric names docs/operations.md lists (its tables' first column), with their documented type. */
export function documentedMetrics(): Map<string, string> {
  const doc = readFileSync(new URL('../../../docs/operations.md', import.meta.url), 'utf8');
  const names = new Map<string, string>();
  for (const [, name, type] of doc.matchAll(/^\| `(switchboard_[a-z_]+)` +\| (counter|gauge|histogram) /gm))
    names.set(name!, type!);
  return names;
}

/** The value of one sample, by name and labels (those given must match). */
export function sampleValue(
  samples: Sample[],
  name: string,
  labels: Record<string, string> = {},
): number | undefined {
  const found = samples.find(
    (s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v),
  );
  return found?.value;
}
