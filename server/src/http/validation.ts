import { Ajv, type Options } from 'ajv';
import type { FastifyInstance } from 'fastify';

const common: Options = {
  removeAdditional: true,
  useDefaults: true,
  allErrors: true,
  strict: false,
};

/**
 * Bodies are validated as sent: a string is never turned into a number (spec section 11).
 * Query strings and path parameters are text by nature, so those alone are coerced.
 */
export function installValidation(app: FastifyInstance): void {
  const bodies = new Ajv({ ...common, coerceTypes: false });
  const urlParts = new Ajv({ ...common, coerceTypes: true });
  app.setValidatorCompiler(({ schema, httpPart }) =>
    httpPart === 'body' ? bodies.compile(schema) : urlParts.compile(schema),
  );
}
