import { type Static, type TSchema, Type } from '@sinclair/typebox';

/** The error envelope (docs/conventions.md), shared by REST answers and realtime acks. */
export const ErrorResponse = Type.Object(
  {
    error: Type.Object({
      code: Type.Integer(),
      message: Type.String(),
      details: Type.Optional(Type.Array(Type.Object({ field: Type.String(), message: Type.String() }))),
    }),
  },
  { $id: 'Error' },
);
export type ErrorResponse = Static<typeof ErrorResponse>;

/** Standard error responses for a route, so the OpenAPI document lists them. */
export function withErrors(
  ok: Record<number, TSchema>,
  errors: readonly number[] = [400, 401, 403, 404],
): Record<number, TSchema> {
  const result: Record<number, TSchema> = { ...ok };
  for (const code of errors) result[code] = Type.Ref('Error');
  return result;
}
