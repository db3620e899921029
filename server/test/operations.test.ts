import assert from 'node:assert/strict';
import { test } from 'node:test';
import { statusOf } from '../src/http/status.ts';
import { OPERATIONS } from '../src/operations/catalog.ts';
import { REQUEST_NAMES, REQUESTS } from '../src/operations/realtime.ts';
import { badRequest, conflict, internal, notFound, unavailable } from '../src/util/errors.ts';

test('operations: every REST route is declared once', () => {
  const routes = OPERATIONS.flatMap((op) =>
    op.method === null
      ? []
      : (typeof op.method === 'string' ? [op.method] : op.method).map((m) => `${m} ${op.path}`),
  );
  assert.equal(new Set(routes).size, routes.length);
});

test('operations: the realtime twins and their data fields (path parameters renamed, own id last)', () => {
  // In the order of docs/realtime.md (an unknown event's error lists them so).
  assert.deepEqual(REQUEST_NAMES, [
    'chats:create',
    'chats:get',
    'chats:assign',
    'chats:join',
    'chats:leave',
    'chats:close',
    'messages:new',
    'messages:read',
    'users:activity',
    'history:import',
    'users:chats',
    'invitations:accept',
    'invitations:reject',
    'agents:status',
    'ping',
  ]);
  const fields = (name: string) => Object.keys(REQUESTS[name]?.schema.properties ?? {});
  assert.deepEqual(fields('chats:close'), ['chatId', 'userId', 'extraData']);
  assert.deepEqual(fields('messages:read'), ['messageId', 'userId']);
  assert.deepEqual(fields('users:activity'), ['chatId', 'type', 'userId']);
  assert.deepEqual(fields('agents:status'), ['status', 'agentId']);
  assert.deepEqual(REQUESTS['agents:status']?.schema.required, ['status']);
});

test('errors: one table maps domain kinds to HTTP statuses', () => {
  assert.equal(statusOf(badRequest('x')), 400);
  assert.equal(statusOf(notFound()), 404);
  assert.equal(statusOf(conflict('x')), 409);
  assert.equal(statusOf(unavailable('x')), 503);
  assert.equal(statusOf(internal('x')), 500);
  assert.equal(statusOf(new Error('bug')), undefined);
});
