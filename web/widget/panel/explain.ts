import { type Settings, SwitchboardError } from '../../src/lib/sdk.ts';

/** A sentence a visitor can act on, for any failure. */
export function explain(error: unknown): string {
  if (error instanceof SwitchboardError) {
    if (error.status === 0) return 'The chat server cannot be reached. Check your connection and try again.';
    if (error.status === 413) return 'This file is too large to send.';
    if (error.status === 403 && /type/i.test(error.message)) return 'This type of file cannot be sent.';
    if (error.status === 403 && /domain/i.test(error.message))
      return 'Chat is not enabled for this website (its address is not among the app’s domains).';
    if (error.status >= 500) return 'The chat server had a problem. Please try again in a moment.';
    return error.message;
  }
  return 'Something went wrong. Please try again.';
}

export function formatBytes(bytes: number): string {
  if (bytes >= 1024 * 1024) return `${Math.round((bytes / 1024 / 1024) * 10) / 10} MB`;
  if (bytes >= 1024) return `${Math.round(bytes / 1024)} KB`;
  return `${bytes} bytes`;
}

/** The app's media rules, checked before uploading (the server checks again): a reason, or nothing. */
export function refuseFile(file: File, rules: Settings['media'] | undefined): string | undefined {
  if (!rules) return undefined;
  if (file.size > rules.maxBytes)
    return `“${file.name}” is too large: files up to ${formatBytes(rules.maxBytes)} can be sent.`;
  const type = file.type || 'application/octet-stream';
  const ok = rules.allowedTypes.some((allowed) =>
    allowed.endsWith('/*') ? type.startsWith(allowed.slice(0, -1)) : allowed === type,
  );
  return ok ? undefined : `“${file.name}” cannot be sent: this type of file is not accepted here.`;
}
