import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Meta, Row } from './report.ts';

/**
 * `--compare=DIR`: the same scenarios on two server checkouts in one run, each scenario on "before"
 * (DIR) then at once on "after" (this checkout), so both see the same machine at the same moment.
 * Each side still has its own baseline measured beside it: a drift of the machine shows in both.
 */
export interface Side {
  label: 'before' | 'after';
  dir: string;
}

export interface ComparedRow {
  store: string;
  scenario: string;
  metric: string;
  unit: string;
  before: number | null;
  after: number | null;
  /** after / before. */
  change: number | null;
  /** Each side's ours / its own baseline in this run. */
  beforeRatio: number | null;
  afterRatio: number | null;
}

export function commitOf(dir: string): string {
  try {
    return execFileSync('git', ['-C', dir, 'rev-parse', '--short', 'HEAD'], { encoding: 'utf8' }).trim();
  } catch {
    return 'unknown';
  }
}

export function compareRows(before: Row[], after: Row[]): ComparedRow[] {
  const key = (r: Row) => `${r.store}\u0000${r.scenario}\u0000${r.metric}`;
  const earlier = new Map(before.map((r) => [key(r), r]));
  return after.map((a) => {
    const b = earlier.get(key(a));
    const change = b?.ours != null && a.ours !== null && b.ours !== 0 ? a.ours / b.ours : null;
    return {
      store: a.store,
      scenario: a.scenario,
      metric: a.metric,
      unit: a.unit,
      before: b?.ours ?? null,
      after: a.ours,
      change,
      beforeRatio: b?.ratio ?? null,
      afterRatio: a.ratio,
    };
  });
}

export const num = (v: number | null, digits = 2) =>
  v === null || !Number.isFinite(v)
    ? '—'
    : v.toLocaleString('en-US', { maximumFractionDigits: Math.abs(v) >= 100 ? 0 : digits });

export function compareMarkdown(
  meta: Meta,
  sides: Record<Side['label'], string>,
  rows: ComparedRow[],
): string {
  const lines = rows.map(
    (r) =>
      `| ${r.store} | ${r.scenario} | ${r.unit ? `${r.metric} (${r.unit})` : r.metric} | ${num(r.before)} | ${num(r.after)} | ${r.change === null ? '—' : r.change.toFixed(2)} | ${num(r.beforeRatio)} | ${num(r.afterRatio)} |`,
  );
  return [
    `# Switchboard benchmark — before/after, ${meta.mode} run`,
    '',
    `- date: ${meta.date}`,
    `- machine: ${meta.cores} cores (${meta.cpuModel}), ${meta.memoryGiB} GiB memory, ${meta.os}`,
    `- Node ${meta.node}; machine busy before the run: ${meta.busyBefore === undefined ? '?' : `${Math.round(meta.busyBefore * 100)}%`}`,
    `- before: ${sides.before}; after: ${sides.after}`,
    ...(meta.seconds ? [`- wall time: ${Math.round(meta.seconds)} s`] : []),
    '',
    'Each scenario ran on "before", then on "after", in this one run. change = after / before (for',
    "latencies and CPU lower is better, for throughputs higher is better); the ratios are each side's",
    'figure over the baseline measured beside it.',
    '',
    '| store | scenario | metric | before | after | change | before ÷ baseline | after ÷ baseline |',
    '|---|---|---|---:|---:|---:|---:|---:|',
    ...lines,
    '',
  ].join('\n');
}

export function writeCompare(
  dir: string,
  name: string,
  meta: Meta,
  sides: Record<Side['label'], string>,
  rows: ComparedRow[],
  raw: Record<Side['label'], Row[]>,
): string[] {
  mkdirSync(dir, { recursive: true });
  const json = join(dir, `${name}.json`);
  const md = join(dir, `${name}.md`);
  writeFileSync(json, `${JSON.stringify({ meta, sides, rows, raw }, null, 2)}\n`);
  writeFileSync(md, compareMarkdown(meta, sides, rows));
  return [json, md];
}
