import { type Static, type TSchema, Type } from '@sinclair/typebox';
import { TypeCompiler } from '@sinclair/typebox/compiler';

/**
 * JSON-valued columns are stored as text (one query layer for SQLite and PostgreSQL). They are
 * decoded here, once per column kind, and checked: a value that does not match its column's shape
 * is a corrupt row and fails loudly instead of travelling on as a wrong type.
 */
export type JsonColumn<S extends TSchema> = (text: string) => Static<S>;

export function jsonColumn<S extends TSchema>(column: string, schema: S): JsonColumn<S> {
  const check = TypeCompiler.Compile(schema);
  return (text) => {
    const value: unknown = JSON.parse(text);
    if (!check.Check(value)) throw new Error(`Stored ${column} does not match its shape`);
    return value;
  };
}

const roomList = jsonColumn('rooms', Type.Array(Type.Integer()));
const stringList = jsonColumn('string list', Type.Array(Type.String()));

/** A room-id list column (`users.rooms`, `users.off_rooms`); null (no rooms set) reads as []. */
export const decodeRooms = (text: string | null): number[] => (text === null ? [] : roomList(text));

/** A string list column (`users.langs`, `apps.domains`, `webhooks.events`); null reads as []. */
export const decodeStrings = (text: string | null): string[] => (text === null ? [] : stringList(text));

/** A free-form object column (`users.extra_info`). */
export const decodeObject = jsonColumn('object', Type.Record(Type.String(), Type.Unknown()));
