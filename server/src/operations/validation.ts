import type { Options } from 'ajv';

/**
 * The Ajv options of every input: unknown fields dropped, defaults filled, every error reported. REST
 * bodies and realtime `data` are validated as sent (no coercion); only query strings and path
 * parameters, text by nature, are coerced (http/validation.ts).
 */
export const INPUT_AJV_OPTIONS: Options = {
  removeAdditional: true,
  useDefaults: true,
  allErrors: true,
  strict: false,
};
