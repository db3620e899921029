import type { FastifyError, FastifyInstance, FastifyReply } from 'fastify';
import { DomainError, type ErrorDetail } from '../util/errors.ts';
import { statusOf } from './status.ts';

export interface ErrorBody {
  error: { code: number; message: string; details?: ErrorDetail[] };
}

export function sendError(
  reply: FastifyReply,
  status: number,
  message: string,
  details?: ErrorDetail[],
): FastifyReply {
  const body: ErrorBody = {
    error: { code: status, message, ...(details && details.length > 0 ? { details } : {}) },
  };
  return reply.code(status).type('application/json; charset=utf-8').send(body);
}

/** Ajv's validation errors as the envelope's `details`: one entry per bad field. */
function validationDetails(error: FastifyError): ErrorDetail[] {
  return (error.validation ?? []).map((v) => {
    const params = v.params as Record<string, unknown>;
    const base = v.instancePath.replace(/^\//, '').replaceAll('/', '.');
    const missing = typeof params.missingProperty === 'string' ? params.missingProperty : undefined;
    const field = missing
      ? base
        ? `${base}.${missing}`
        : missing
      : base || (error.validationContext ?? 'body');
    return { field, message: v.message ?? 'is invalid' };
  });
}

const FRAMEWORK_STATUS: Record<string, number> = {
  FST_ERR_CTP_BODY_TOO_LARGE: 413,
  FST_ERR_CTP_INVALID_MEDIA_TYPE: 415,
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: 400,
  FST_ERR_CTP_EMPTY_JSON_BODY: 400,
  FST_ERR_CTP_INVALID_JSON_BODY: 400,
  FST_ERR_INVALID_URL: 400,
  FST_ERR_BAD_URL: 400,
  FST_INVALID_MULTIPART_CONTENT_TYPE: 415,
  FST_REQ_FILE_TOO_LARGE: 413,
  FST_FILES_LIMIT: 413,
  FST_PARTS_LIMIT: 413,
  FST_FIELDS_LIMIT: 413,
};

/** Every error — ours, the framework's, the parser's — leaves in the envelope of docs/conventions.md. */
export function installErrorHandling(app: FastifyInstance): void {
  app.setErrorHandler((error: FastifyError | DomainError, request, reply) => {
    if (error instanceof DomainError) {
      if (error.headers) reply.headers(error.headers);
      return sendError(reply, statusOf(error), error.message, error.details);
    }
    if (error.validation) {
      const details = validationDetails(error);
      const summary = details.map((d) => `${d.field} ${d.message}`).join('; ');
      return sendError(reply, 400, `Invalid request: ${summary}`, details);
    }
    const mapped = error.code ? FRAMEWORK_STATUS[error.code] : undefined;
    if (error instanceof SyntaxError || mapped !== undefined) {
      const status = mapped ?? 400;
      const message =
        status === 400 && error instanceof SyntaxError ? 'Body is not valid JSON' : error.message;
      return sendError(reply, status, message);
    }
    const status = typeof error.statusCode === 'number' ? error.statusCode : 500;
    if (status >= 400 && status < 500) return sendError(reply, status, error.message);
    request.log.error({ err: error }, 'request failed');
    return sendError(reply, 500, 'Internal server error');
  });
  app.setNotFoundHandler((request, reply) =>
    sendError(reply, 404, `No route ${request.method} ${request.url.split('?')[0]}`),
  );
}
