import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';

/** WCAG 2.x contrast of two #rrggbb colours. */
function contrast(a: string, b: string): number {
  const luminance = (hex: string) => {
    const [r, g, bl] = [1, 3, 5].map((i) => {
      const c = Number.parseInt(hex.slice(i, i + 2), 16) / 255;
      return c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4;
    });
    return 0.2126 * r! + 0.7152 * g! + 0.0722 * bl!;
  };
  const [high, low] = [luminance(a), luminance(b)].sort((x, y) => y - x);
  return (high! + 0.05) / (low! + 0.05);
}

const tokens = readFileSync(new URL('../src/ui/tokens.css', import.meta.url), 'utf8');
const colour = (name: string): string => {
  const match = new RegExp(`--sb-${name}:\\s*(#[0-9a-f]{6})`, 'i').exec(tokens);
  assert.ok(match, `token --sb-${name} is a #rrggbb colour`);
  return match[1]!;
};

// Every text/background pair the design system uses (tokens.css lists them with their ratios).
const PAIRS: Array<[string, string]> = [
  ['text', 'bg'],
  ['text', 'surface'],
  ['muted', 'bg'],
  ['muted', 'surface'],
  ['accent', 'bg'],
  ['accent', 'accent-soft'],
  ['danger', 'danger-soft'],
  ['warn-text', 'warn-bg'],
  ['success', 'bg'],
];

test('the design system’s text colours meet WCAG AA (4.5:1) on their backgrounds', () => {
  for (const [fg, bg] of PAIRS) {
    const ratio = contrast(colour(fg), colour(bg));
    assert.ok(ratio >= 4.5, `--sb-${fg} on --sb-${bg}: ${ratio.toFixed(2)}:1`);
  }
  // White text on the filled buttons and badges.
  for (const bg of ['accent', 'accent-hover', 'danger']) {
    const ratio = contrast('#ffffff', colour(bg));
    assert.ok(ratio >= 4.5, `white on --sb-${bg}: ${ratio.toFixed(2)}:1`);
  }
});
