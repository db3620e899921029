import type { Kysely } from 'kysely';
import type { Dialect } from '../database.ts';

/**
 * Reports (docs/reports.md): a projection of the event log, kept by the report loop (reports/). Every
 * table is derived: dropping their rows and the checkpoints rebuilds the same numbers from the events.
 * - `report_checkpoints`: per app, the event position the projection has read up to.
 * - `report_chats`: one row per chat, its facts (created, first agent join, first agent message, close,
 *   who closed it, whether it was abandoned, whether an agent serving its room was online while it
 *   waited, message count, rating).
 * - `report_chat_agents`: each agent that joined a chat, once, with the time it first joined.
 * - `report_agents`: each agent's current status and served rooms as the events last said.
 * - `report_agent_intervals`: each agent's status over time, one row per stretch (`ended` null: now).
 * The index on invitations (app, created) serves the agents report's invitation counts.
 */
export function reports(_dialect: Dialect) {
  return {
    async up(db: Kysely<unknown>): Promise<void> {
      await db.schema
        .createTable('report_checkpoints')
        .addColumn('app_id', 'text', (c) => c.primaryKey())
        .addColumn('position', 'bigint', (c) => c.notNull())
        .execute();
      await db.schema
        .createTable('report_chats')
        .addColumn('chat_id', 'text', (c) => c.primaryKey())
        .addColumn('app_id', 'text', (c) => c.notNull())
        .addColumn('room', 'integer', (c) => c.notNull())
        .addColumn('creator', 'text', (c) => c.notNull())
        .addColumn('created', 'bigint', (c) => c.notNull())
        .addColumn('first_join', 'bigint')
        .addColumn('first_response', 'bigint')
        .addColumn('first_responder', 'text')
        .addColumn('closed', 'bigint')
        .addColumn('closed_by', 'text')
        .addColumn('abandoned', 'integer', (c) => c.notNull().defaultTo(0))
        .addColumn('agent_online', 'integer', (c) => c.notNull().defaultTo(0))
        .addColumn('agents_present', 'integer', (c) => c.notNull().defaultTo(0))
        .addColumn('messages', 'integer', (c) => c.notNull().defaultTo(0))
        .addColumn('rating', 'integer')
        .execute();
      await db.schema
        .createIndex('report_chats_by_created')
        .on('report_chats')
        .columns(['app_id', 'created'])
        .execute();
      await db.schema
        .createIndex('report_chats_by_open')
        .on('report_chats')
        .columns(['app_id', 'closed', 'room'])
        .execute();
      await db.schema
        .createTable('report_chat_agents')
        .addColumn('chat_id', 'text', (c) => c.notNull())
        .addColumn('agent_id', 'text', (c) => c.notNull())
        .addColumn('app_id', 'text', (c) => c.notNull())
        .addColumn('joined', 'bigint', (c) => c.notNull())
        .addPrimaryKeyConstraint('report_chat_agents_pk', ['chat_id', 'agent_id'])
        .execute();
      await db.schema
        .createTable('report_agents')
        .addColumn('agent_id', 'text', (c) => c.primaryKey())
        .addColumn('app_id', 'text', (c) => c.notNull())
        .addColumn('status', 'text', (c) => c.notNull())
        .addColumn('rooms', 'text', (c) => c.notNull())
        .addColumn('since', 'bigint', (c) => c.notNull())
        .execute();
      await db.schema
        .createTable('report_agent_intervals')
        .addColumn('app_id', 'text', (c) => c.notNull())
        .addColumn('agent_id', 'text', (c) => c.notNull())
        .addColumn('status', 'text', (c) => c.notNull())
        .addColumn('started', 'bigint', (c) => c.notNull())
        .addColumn('ended', 'bigint')
        .execute();
      await db.schema
        .createIndex('report_agent_intervals_by_app')
        .on('report_agent_intervals')
        .columns(['app_id', 'started'])
        .execute();
      await db.schema
        .createIndex('invitations_by_app_created')
        .on('invitations')
        .columns(['app_id', 'created'])
        .execute();
    },
  };
}
