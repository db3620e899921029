import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Agent } from 'undici';
import { createApp } from '../../../src/apps/apps.ts';
import { systemBy } from '../../../src/audit/audit.ts';
import { openStore, type Store } from '../../../src/store/database.ts';
import type { EventRow, WebhookRow } from '../../../src/store/schema.ts';
import { newId } from '../../../src/util/ids.ts';
import { nowSeconds } from '../../../src/util/time.ts';
import {
  type DeliveryContext,
  type DispatcherOptions,
  deliveryContext,
} from '../../../src/webhooks/delivery/context.ts';
import type { Log } from '../../../src/webhooks/tx.ts';

/** A real embedded store in a temp directory, with rows written directly (no HTTP server). */
export interface UnitStore {
  store: Store;
  close(): Promise<void>;
}

export async function openUnitStore(): Promise<UnitStore> {
  const dir = mkdtempSync(join(tmpdir(), 'switchboard-unit-'));
  const store = await openStore({ dataDir: dir });
  return {
    store,
    async close() {
      await store.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

export async function addApp(store: Store): Promise<string> {
  const { app } = await createApp(store, { name: 'Unit' }, systemBy('test'));
  return app.id;
}

export interface HookInput {
  events?: string[];
  target?: string;
  active?: 0 | 1;
  disabledReason?: string | null;
  fromPosition?: number;
  rateLimit?: number | null;
}

/** A webhook row (as the registry writes it, without the handshake) and its app's cursor. */
export async function addHook(store: Store, appId: string, input: HookInput = {}): Promise<WebhookRow> {
  const app = await store.db
    .selectFrom('apps')
    .select('eventPosition')
    .where('id', '=', appId)
    .executeTakeFirstOrThrow();
  const position = input.fromPosition ?? Number(app.eventPosition);
  const row = {
    id: newId(),
    appId,
    target: input.target ?? 'http://127.0.0.1:9/',
    events: JSON.stringify(input.events ?? ['messages:new']),
    active: input.active ?? 1,
    disabledReason: input.disabledReason ?? null,
    rateLimit: input.rateLimit ?? null,
    secret: 'whsec_dW5pdCB0ZXN0IHNlY3JldA==',
    previousSecret: null,
    previousSecretExpires: null,
    fromPosition: position,
    failingSince: null,
    assignFailedAt: null,
    nextDue: null,
    leaseOwner: null,
    leaseUntil: null,
    created: nowSeconds(),
  };
  await store.db.insertInto('webhooks').values(row).execute();
  await store.db
    .insertInto('webhookCursors')
    .values({ appId, position })
    .onConflict((oc) => oc.column('appId').doNothing())
    .execute();
  return store.db.selectFrom('webhooks').selectAll().where('id', '=', row.id).executeTakeFirstOrThrow();
}

/** Appends an event to the app's outbox at its next position. */
export async function addEvent(
  store: Store,
  appId: string,
  trigger: string,
  chatId: string | null,
  data: Record<string, unknown> = { n: 1 },
): Promise<EventRow> {
  return store.transaction(async (tx) => {
    const app = await tx
      .updateTable('apps')
      .set((eb) => ({ eventPosition: eb('eventPosition', '+', 1) }))
      .where('id', '=', appId)
      .returning('eventPosition')
      .executeTakeFirstOrThrow();
    const event = {
      id: newId(),
      appId,
      position: Number(app.eventPosition),
      trigger,
      chatId,
      userId: null,
      data: JSON.stringify(data),
      created: nowSeconds(),
    };
    await tx.insertInto('events').values(event).execute();
    return tx.selectFrom('events').selectAll().where('id', '=', event.id).executeTakeFirstOrThrow();
  });
}

export function deliveriesOf(store: Store, webhookId: string) {
  return store.db
    .selectFrom('webhookDeliveries')
    .selectAll()
    .where('webhookId', '=', webhookId)
    .orderBy('position')
    .execute();
}

export function attemptsOf(store: Store, webhookId: string) {
  return store.db.selectFrom('webhookAttempts').selectAll().where('webhookId', '=', webhookId).execute();
}

/** Collects what the dispatcher logs, so a test can assert nothing went wrong. */
export function recordingLog(): Log & { errors: unknown[] } {
  const errors: unknown[] = [];
  return {
    errors,
    error(object) {
      errors.push(object);
    },
    warn() {},
    info() {},
  };
}

/** A dispatcher context on `store` with a plain pool (tests post to 127.0.0.1); close its agent after. */
export function unitContext(
  store: Store,
  options: Partial<DispatcherOptions> = {},
): DeliveryContext & { errors: unknown[] } {
  const log = recordingLog();
  const ctx = deliveryContext({
    store,
    agent: new Agent({ connections: 8 }),
    schedule: [1, 1, 1],
    timeoutMs: 2000,
    log: () => log,
    nodeId: 'unit-node',
    ...options,
  });
  return Object.assign(ctx, { errors: log.errors });
}
