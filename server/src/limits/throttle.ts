import { sql } from 'kysely';
import type { Store } from '../store/database.ts';
import { tooManyRequests } from '../util/errors.ts';
import { digest } from '../util/secrets.ts';
import { nowSeconds } from '../util/time.ts';

/**
 * Throttling of guesses (docs/security.md, "Throttling"): failed agent logins per contact of an app and
 * per client address, and wrong credentials (secrets, domain keys, tokens, admin keys) per client
 * address. Counters are rows of `throttle_counters`, so every node and a restarted one count together.
 *
 * Windows are fixed and start at a key's first failure: `failures` counted until `resetsAt`, then the
 * next failure starts a new window. A key past its limit refuses every try, right or wrong, with 429
 * and `Retry-After` until its window ends; refused tries do not move the window.
 */
export interface ThrottleLimit {
  /** Failures allowed in one window; the next try is refused. */
  failures: number;
  windowSeconds: number;
}

export interface ThrottleOptions {
  /** Failed logins for one contact of one app. */
  loginContact: ThrottleLimit;
  /** Failed logins from one client address, whichever contacts and apps. */
  loginAddress: ThrottleLimit;
  /** Wrong credentials of any kind from one client address. */
  credentials: ThrottleLimit;
  /** The clock, in Unix seconds (tests move it to let a window pass). */
  now: () => number;
  /**
   * PostgreSQL: how often a node reads the addresses other nodes found over the credentials limit
   * (its own it knows at once). The embedded store has one node.
   */
  pollMs: number;
  /** How often expired counters are deleted. */
  sweepMs: number;
}

export const DEFAULT_THROTTLE_OPTIONS: ThrottleOptions = {
  loginContact: { failures: 10, windowSeconds: 15 * 60 },
  loginAddress: { failures: 50, windowSeconds: 15 * 60 },
  credentials: { failures: 100, windowSeconds: 60 },
  now: nowSeconds,
  pollMs: 1000,
  sweepMs: 60_000,
};

/** One login try, counted before its password is checked (so parallel tries cannot overshoot). */
export interface LoginTry {
  readonly contactKey: string;
  readonly addressKey: string;
}

/** How a counted login try ended: only a wrong password stays counted as a failure. */
export type LoginOutcome = 'succeeded' | 'failed' | 'other';

export interface Throttle {
  /** Counts a login try for the contact and the address; 429 when either is past its limit. */
  beginLogin(appId: string, contact: string, address: string): Promise<LoginTry>;
  endLogin(attempt: LoginTry, outcome: LoginOutcome): Promise<void>;
  /** 429 when the address is past the credentials limit (checked before any credential). */
  checkCredentials(address: string): void;
  /** Counts wrong credentials from the address. */
  credentialsFailed(address: string): Promise<void>;
  /** Reads the addresses already over the limit (a restart keeps them refused) and starts the timers. */
  start(): Promise<void>;
  stop(): Promise<void>;
}

const CREDENTIALS_PREFIX = 'cred:';

// Keys are digests: contacts (e-mail addresses) and client addresses are not kept in the clear.
const contactKey = (appId: string, contact: string) => `login:contact:${digest(`${appId}\n${contact}`)}`;
const loginAddressKey = (address: string) => `login:address:${digest(address)}`;
const credentialsKey = (address: string) => `${CREDENTIALS_PREFIX}${digest(address)}`;

export function createThrottle(store: Store, partial: Partial<ThrottleOptions> = {}): Throttle {
  const options: ThrottleOptions = { ...DEFAULT_THROTTLE_OPTIONS, ...partial };
  const { now } = options;
  /** Addresses past the credentials limit → when their window ends: the hot path reads no store. */
  const refused = new Map<string, number>();
  let timers: NodeJS.Timeout[] = [];
  let running: Promise<unknown> = Promise.resolve();

  /** Adds one failure to each key (a new window where the old one ended); the counts after it. */
  async function count(keys: { key: string; limit: ThrottleLimit }[]) {
    const at = now();
    return store.db
      .insertInto('throttleCounters')
      .values(keys.map(({ key, limit }) => ({ key, failures: 1, resetsAt: at + limit.windowSeconds })))
      .onConflict((oc) =>
        oc.column('key').doUpdateSet((eb) => ({
          failures: sql<number>`case when ${eb.ref('throttleCounters.resetsAt')} <= ${at} then 1 else ${eb.ref('throttleCounters.failures')} + 1 end`,
          resetsAt: sql<number>`case when ${eb.ref('throttleCounters.resetsAt')} <= ${at} then ${eb.ref('excluded.resetsAt')} else ${eb.ref('throttleCounters.resetsAt')} end`,
        })),
      )
      .returning(['key', 'failures', 'resetsAt'])
      .execute();
  }

  /** Takes back one counted failure of each key, in its current window only. */
  async function uncount(keys: string[]) {
    await store.db
      .updateTable('throttleCounters')
      .set((eb) => ({ failures: eb('failures', '-', 1) }))
      .where('key', 'in', keys)
      .where('failures', '>', 0)
      .where('resetsAt', '>', now())
      .execute();
  }

  /** Every address other nodes (or this one before a restart) found over the credentials limit. */
  async function readRefused(): Promise<void> {
    const at = now();
    const rows = await store.db
      .selectFrom('throttleCounters')
      .select(['key', 'resetsAt'])
      .where('key', 'like', `${CREDENTIALS_PREFIX}%`)
      .where('failures', '>=', options.credentials.failures)
      .where('resetsAt', '>', at)
      .execute();
    for (const row of rows) refused.set(row.key, row.resetsAt);
    for (const [key, resetsAt] of refused) if (resetsAt <= at) refused.delete(key);
  }

  const sweep = async () => {
    await store.db.deleteFrom('throttleCounters').where('resetsAt', '<=', now()).execute();
  };

  /** Background passes one at a time; a failed pass is tried again at the next tick. */
  const every = (ms: number, pass: () => Promise<void>) => {
    const timer = setInterval(() => {
      running = running.then(pass).catch(() => undefined);
    }, ms);
    timer.unref();
    timers.push(timer);
  };

  return {
    async beginLogin(appId, contact, address) {
      const attempt: LoginTry = {
        contactKey: contactKey(appId, contact),
        addressKey: loginAddressKey(address),
      };
      const counted = await count([
        { key: attempt.contactKey, limit: options.loginContact },
        { key: attempt.addressKey, limit: options.loginAddress },
      ]);
      const at = now();
      const over = counted.filter(({ key, failures }) => {
        const limit = key === attempt.contactKey ? options.loginContact : options.loginAddress;
        return failures > limit.failures;
      });
      if (over.length > 0) {
        const until = Math.max(...over.map((row) => row.resetsAt));
        throw tooManyRequests('Too many failed logins: try again later', until - at);
      }
      return attempt;
    },

    async endLogin(attempt, outcome) {
      if (outcome === 'failed') return;
      // A success clears its contact's failures (only who knows the password can), never the
      // address's: it takes back its own try, so successes interleaved with guesses free nothing.
      if (outcome === 'succeeded') {
        await store.db.deleteFrom('throttleCounters').where('key', '=', attempt.contactKey).execute();
        await uncount([attempt.addressKey]);
        return;
      }
      await uncount([attempt.contactKey, attempt.addressKey]);
    },

    checkCredentials(address) {
      if (refused.size === 0) return;
      const key = credentialsKey(address);
      const resetsAt = refused.get(key);
      if (resetsAt === undefined) return;
      const at = now();
      if (resetsAt <= at) {
        refused.delete(key);
        return;
      }
      throw tooManyRequests('Too many wrong credentials from this address: try again later', resetsAt - at);
    },

    async credentialsFailed(address) {
      const [row] = await count([{ key: credentialsKey(address), limit: options.credentials }]);
      if (row && row.failures >= options.credentials.failures) refused.set(row.key, row.resetsAt);
    },

    async start() {
      await readRefused();
      if (store.dialect === 'postgres') every(options.pollMs, readRefused);
      every(options.sweepMs, sweep);
    },

    async stop() {
      for (const timer of timers) clearInterval(timer);
      timers = [];
      await running;
    },
  };
}
