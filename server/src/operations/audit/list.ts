import { Type } from '@sinclair/typebox';
import { selectAuditEntries } from '../../audit/statements.ts';
import { invalidField } from '../../util/errors.ts';
import { decodeCursor, limitOf, page } from '../../util/pagination.ts';
import { AuditEntry, presentAuditEntry } from '../../wire/audit.ts';
import { Next, Paging } from '../../wire/fields.ts';
import { operation } from '../operation.ts';

const Seconds = Type.Integer({ minimum: 0, maximum: 253_402_300_799, description: 'Unix seconds' });

export default operation({
  method: 'GET',
  path: '/audit',
  auth: ['secret'],
  caller: 'app',
  tags: ['audit'],
  summary: 'The audit log, newest first (secret or an admin person; docs/security.md, "Audit log")',
  query: Type.Object(
    {
      actor: Type.Optional(
        Type.String({
          minLength: 1,
          maxLength: 64,
          pattern: '^[0-9A-Za-z_-]+$',
          description: 'an agent id, or a kind: secret, agent, admin-key, system',
        }),
      ),
      action: Type.Optional(
        Type.String({
          minLength: 1,
          maxLength: 64,
          pattern: '^[a-z_]+(\\.[a-z_]+)?$',
          description: 'an action (agents.update) or an area (agents)',
        }),
      ),
      since: Type.Optional(Seconds),
      until: Type.Optional(Seconds),
      ...Paging,
    },
    { additionalProperties: false },
  ),
  status: 200,
  response: Type.Object({ entries: Type.Array(AuditEntry), next: Next }),
  run: async (ctx, app, { query }) => {
    if (query.since !== undefined && query.until !== undefined && query.until < query.since)
      throw invalidField('until', 'must not be before since');
    const limit = limitOf(query);
    const rows = await selectAuditEntries(ctx.store.db, app.id, query, decodeCursor(query.cursor), limit);
    const { items, next } = page(rows, limit);
    return { entries: items.map(presentAuditEntry), next };
  },
});
