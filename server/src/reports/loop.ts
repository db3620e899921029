import type { Store } from '../store/database.ts';
import { appsBehind, PROJECTION_BATCH, projectApp } from './project.ts';

/** How often the report loop looks for new events (ms): reads lag the log by at most this. */
export const REPORT_LOOP_MS = 1000;

/**
 * One pass of the report loop (docs/reports.md): a batch of each app whose log is ahead of its
 * checkpoint. Answers "again now" while a batch came back full, else nothing (the idle period).
 */
export async function reportPass(store: Store): Promise<number | undefined> {
  let more = false;
  for (const appId of await appsBehind(store)) {
    if ((await projectApp(store, appId)) === PROJECTION_BATCH) more = true;
  }
  return more ? Date.now() : undefined;
}
