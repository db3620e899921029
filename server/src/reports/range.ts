import { badRequest } from '../util/errors.ts';
import { nowSeconds } from '../util/time.ts';

/** The longest range a report or an export covers (docs/reports.md). */
export const MAX_RANGE_DAYS = 400;
/** Without `from`, a report covers this many days before `to`. */
export const DEFAULT_RANGE_DAYS = 30;

export interface Range {
  from: number;
  to: number;
}

/** `from`/`to` (Unix seconds, `to` excluded) checked: a 400 for an empty, reversed or too long range. */
export function rangeOf(query: { from?: number | undefined; to?: number | undefined }): Range {
  const to = query.to ?? nowSeconds();
  const from = query.from ?? to - DEFAULT_RANGE_DAYS * 86_400;
  if (to <= from) throw badRequest('to must be after from (Unix seconds)');
  if (to - from > MAX_RANGE_DAYS * 86_400)
    throw badRequest(`The range from–to may cover ${MAX_RANGE_DAYS} days at most`);
  return { from, to };
}
