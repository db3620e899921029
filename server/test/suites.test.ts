import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { describe, it } from 'node:test';

/** The runners' start: what a machine without PostgreSQL or Redis prints, and what CI=true does then. */
const HELPER = new URL('./helpers/suites.ts', import.meta.url).href;
const SCRIPT = `
  const { announce, POSTGRES, REDIS } = await import(${JSON.stringify(HELPER)});
  const skipped = announce('some tests', [POSTGRES, REDIS]);
  console.log('skipped:', skipped.map((s) => s.suites).join(', ') || 'none');
`;

function runWith(env: Record<string, string>) {
  const base = Object.fromEntries(
    Object.entries(process.env).filter(([key]) => key !== 'CI' && !key.startsWith('SWITCHBOARD_TEST_')),
  );
  return spawnSync(process.execPath, ['--input-type=module', '-e', SCRIPT], {
    env: { ...base, ...env },
    encoding: 'utf8',
  });
}

describe('suites that need an outside service', () => {
  it('without it: SKIPPED with the variable that turns them on, and the run goes on', () => {
    const run = runWith({});
    assert.equal(run.status, 0, run.stderr);
    assert.match(run.stdout, /^PostgreSQL suites: SKIPPED .*SWITCHBOARD_TEST_DATABASE_URL=postgres:\/\//m);
    assert.match(run.stdout, /^Redis suites: SKIPPED .*SWITCHBOARD_TEST_REDIS_URL=redis:\/\//m);
    assert.match(run.stdout, /^skipped: PostgreSQL suites, Redis suites$/m);
  });

  it('with CI=true, a missing one fails the run before any test, saying which', () => {
    const run = runWith({ CI: 'true', SWITCHBOARD_TEST_REDIS_URL: 'redis://127.0.0.1:6379' });
    assert.equal(run.status, 1);
    assert.match(run.stdout, /^Redis suites: on \(redis:\/\/127\.0\.0\.1:6379\)$/m);
    assert.match(run.stderr, /FAILED — CI=true requires every suite, but the PostgreSQL suites cannot run/);
    assert.doesNotMatch(run.stdout, /skipped:/);
  });

  it('with CI=true and every service given, nothing is skipped', () => {
    const run = runWith({
      CI: 'true',
      SWITCHBOARD_TEST_DATABASE_URL: 'postgres://postgres@127.0.0.1:5432/test',
      SWITCHBOARD_TEST_REDIS_URL: 'redis://127.0.0.1:6379',
    });
    assert.equal(run.status, 0, run.stderr);
    assert.match(run.stdout, /^skipped: none$/m);
  });
});
