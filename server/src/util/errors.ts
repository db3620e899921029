export interface ErrorDetail {
  field: string;
  message: string;
}

/** An error the client caused or may see; anything else is a 500 whose internals stay in the logs. */
export class ApiError extends Error {
  readonly status: number;
  readonly details: ErrorDetail[] | undefined;
  readonly headers: Record<string, string> | undefined;

  constructor(status: number, message: string, details?: ErrorDetail[], headers?: Record<string, string>) {
    super(message);
    this.status = status;
    this.details = details;
    this.headers = headers;
  }
}

export const badRequest = (message: string, details?: ErrorDetail[]) => new ApiError(400, message, details);
export const invalidField = (field: string, message: string) =>
  new ApiError(400, `Invalid ${field}: ${message}`, [{ field, message }]);
export const unauthorized = (message = 'Missing or invalid credentials') => new ApiError(401, message);
export const forbidden = (message = 'Not allowed') => new ApiError(403, message);
export const notFound = (message = 'Not found') => new ApiError(404, message);
export const conflict = (message: string) => new ApiError(409, message);
export const tooLarge = (message: string) => new ApiError(413, message);
