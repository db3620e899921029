import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';

/**
 * What the test runners of every workspace share: the outside services some suites need (what npm
 * does not install), said plainly at the start of a run and again under its summary, and one
 * `node --test` run of the selected files.
 *
 * Without a service, its suites are SKIPPED with the line that brings it, so `npm test` passes on a
 * machine with only Node. Under `CI=true` every suite must run: a missing service fails the run
 * before any test starts, saying which and why.
 */
export interface Service {
  /** Which suites need it, as the report names them ("PostgreSQL suites"). */
  suites: string;
  /** Set when the service is there: what the suites run against. */
  using: string | undefined;
  /** Why it counts as missing. */
  missing: string;
  /** The line that installs, starts or points at it. */
  bring: string;
}

export const POSTGRES: Service = {
  suites: 'PostgreSQL suites',
  using: process.env.SWITCHBOARD_TEST_DATABASE_URL || undefined,
  missing: 'SWITCHBOARD_TEST_DATABASE_URL is not set',
  bring:
    'start PostgreSQL (apt-get install -y postgresql) and set SWITCHBOARD_TEST_DATABASE_URL=postgres://postgres@127.0.0.1:5432/test',
};

export const REDIS: Service = {
  suites: 'Redis suites',
  using: process.env.SWITCHBOARD_TEST_REDIS_URL || undefined,
  missing: 'SWITCHBOARD_TEST_REDIS_URL is not set',
  bring:
    'start Redis (apt-get install -y redis-server) and set SWITCHBOARD_TEST_REDIS_URL=redis://127.0.0.1:6379',
};

/** Debian's Prometheus server, which scrapes a node in the metrics suite (docs/operations.md). */
export const PROMETHEUS_BIN = process.env.SWITCHBOARD_PROMETHEUS ?? '/usr/bin/prometheus';

export const PROMETHEUS: Service = {
  suites: 'Prometheus suites',
  using: existsSync(PROMETHEUS_BIN) ? PROMETHEUS_BIN : undefined,
  missing: `no Prometheus server at ${PROMETHEUS_BIN}`,
  bring:
    "install Debian's prometheus (apt-get install -y prometheus) or set SWITCHBOARD_PROMETHEUS to its binary",
};

/** True when the run must not skip anything (CI sets `CI=true`). */
export const REQUIRED = ['true', '1'].includes((process.env.CI ?? '').toLowerCase());

function skipLine(service: Service): string {
  return `${service.suites}: SKIPPED (${service.missing}) — to run them, ${service.bring}`;
}

/**
 * Prints whether each service's suites run; under CI a missing one ends the process with exit 1.
 * Returns the services that are missing, for the closing lines.
 */
export function announce(label: string, services: Service[]): Service[] {
  const missing = services.filter((s) => s.using === undefined);
  for (const service of services) {
    if (service.using !== undefined) console.log(`${service.suites}: on (${service.using})`);
    else if (!REQUIRED) console.log(skipLine(service));
    else
      console.error(
        `${label}: FAILED — CI=true requires every suite, but the ${service.suites} cannot run (${service.missing}): ${service.bring}`,
      );
  }
  if (REQUIRED && missing.length > 0) process.exit(1);
  return missing;
}

/**
 * One `node --test` run of `files` (spec reporter, whose summary counts the tests) with the runner's
 * own flags; then the suites that did not run, again, so the last lines of a run say what it did not
 * cover. Exits with the run's status.
 */
export function runNodeTests(label: string, flags: string[], files: string[], skipped: Service[]): never {
  let status = 0;
  if (files.length === 0) {
    // `node --test` given no file would look for test files itself, everywhere under the cwd.
    console.log(`${label}: no test file to run`);
    status = skipped.length > 0 ? 0 : 1;
  } else {
    const result = spawnSync(process.execPath, ['--test', '--test-reporter=spec', ...flags, ...files], {
      stdio: 'inherit',
    });
    status = result.status ?? 1;
  }
  for (const service of skipped) console.log(`${label}: ${skipLine(service)}`);
  process.exit(status);
}

/** The runner's files, narrowed by the parts of names given on its command line (`run.ts chats`). */
export function selectFiles(files: string[], filter: string[]): string[] {
  return filter.length > 0 ? files.filter((f) => filter.some((x) => f.includes(x))) : files;
}
