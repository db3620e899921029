import { type Static, Type } from '@sinclair/typebox';
import type { App as AppRecord } from '../apps/apps.ts';

/** An app (tenant) as the operator sees it: never its secrets or settings. */
export const App = Type.Object({
  id: Type.String(),
  name: Type.String(),
  domains: Type.Array(Type.String()),
  created: Type.Integer(),
});
export type App = Static<typeof App>;

export function presentApp(app: AppRecord): App {
  return { id: app.id, name: app.name, domains: app.domains, created: app.created };
}
