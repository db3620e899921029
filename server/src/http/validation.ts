import { Ajv } from 'ajv';
import type { FastifyInstance } from 'fastify';
import { INPUT_AJV_OPTIONS } from '../operations/validation.ts';

/**
 * Bodies are validated as sent: a string is never turned into a number (docs/conventions.md, "Tolerance").
 * Query strings and path parameters are text by nature, so those alone are coerced.
 */
export function installValidation(app: FastifyInstance): void {
  const bodies = new Ajv({ ...INPUT_AJV_OPTIONS, coerceTypes: false });
  const urlParts = new Ajv({ ...INPUT_AJV_OPTIONS, coerceTypes: true });
  app.setValidatorCompiler(({ schema, httpPart }) =>
    httpPart === 'body' ? bodies.compile(schema) : urlParts.compile(schema),
  );
}
