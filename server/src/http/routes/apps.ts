import { Type } from '@sinclair/typebox';
import {
  countApps,
  createApp,
  getApp,
  listApps,
  presentApp,
  saveSettings,
  updateApp,
} from '../../apps/apps.ts';
import { mergeSettings, publicSettings } from '../../apps/settings.ts';
import { capReached } from '../../limits/caps.ts';
import { notFound } from '../../util/errors.ts';
import { newId } from '../../util/ids.ts';
import { appOf } from '../auth.ts';
import { AppSchema, Next, Paging, Text, withErrors } from '../schemas.ts';
import type { Http, RouteDeps } from '../types.ts';

const Domains = Type.Array(Type.String({ minLength: 1, maxLength: 253 }), { maxItems: 100 });
const AppParams = Type.Object({ appId: Type.String({ minLength: 1, maxLength: 64 }) });

/** Apps (operator), settings, and the small utility routes. */
export function appRoutes(http: Http, { ctx, version }: RouteDeps): void {
  http.post(
    '/apps',
    {
      config: { auth: ['admin'] },
      schema: {
        tags: ['apps'],
        summary: 'Create an app (tenant); returns its secret and domain key once',
        body: Type.Object(
          { name: Text(200), domains: Type.Optional(Domains) },
          { additionalProperties: false },
        ),
        response: withErrors(
          { 201: Type.Object({ app: AppSchema, secret: Type.String(), domainKey: Type.String() }) },
          [400, 401, 403, 404, 409],
        ),
      },
    },
    async (request, reply) => {
      // Apps are the operator's own; a count before the insert is enough (no tenant races it).
      if ((await countApps(ctx.store.db)) >= ctx.caps.apps) throw capReached('apps', ctx.caps.apps);
      const created = await createApp(ctx.store, request.body);
      return reply
        .code(201)
        .send({ app: presentApp(created.app), secret: created.secret, domainKey: created.domainKey });
    },
  );

  http.get(
    '/apps',
    {
      config: { auth: ['admin'] },
      schema: {
        tags: ['apps'],
        summary: 'List apps',
        querystring: Type.Object(Paging, { additionalProperties: false }),
        response: withErrors({ 200: Type.Object({ apps: Type.Array(AppSchema), next: Next }) }),
      },
    },
    async (request) => {
      const { apps, next } = await listApps(ctx.store.db, request.query);
      return { apps: apps.map(presentApp), next };
    },
  );

  /** The operator sees every app; an app's secret sees only its own. */
  const visibleAppId = (principal: { kind: string; app?: { id: string } }, appId: string): string => {
    if (principal.kind === 'secret' && principal.app?.id !== appId) throw notFound('App not found');
    return appId;
  };

  http.get(
    '/apps/:appId',
    {
      config: { auth: ['admin', 'secret'] },
      schema: {
        tags: ['apps'],
        summary: 'Get an app',
        params: AppParams,
        response: withErrors({ 200: Type.Object({ app: AppSchema }) }),
      },
    },
    async (request) => ({
      app: presentApp(await getApp(ctx.store.db, visibleAppId(request.principal, request.params.appId))),
    }),
  );

  http.put(
    '/apps/:appId',
    {
      config: { auth: ['admin', 'secret'] },
      schema: {
        tags: ['apps'],
        summary: 'Rename an app or change its domains',
        params: AppParams,
        body: Type.Object(
          { name: Type.Optional(Text(200)), domains: Type.Optional(Domains) },
          { additionalProperties: false },
        ),
        response: withErrors({ 200: Type.Object({ app: AppSchema }) }),
      },
    },
    async (request) => ({
      app: presentApp(
        await updateApp(ctx.store, visibleAppId(request.principal, request.params.appId), request.body),
      ),
    }),
  );

  http.get(
    '/apps/:appId/validate',
    {
      config: { auth: ['secret', 'public', 'token'] },
      schema: {
        tags: ['apps'],
        summary: 'Check that an app id exists and matches the credentials',
        params: AppParams,
        response: withErrors({
          200: Type.Object({
            valid: Type.Literal(true),
            app: Type.Object({ id: Type.String(), name: Type.String() }),
          }),
        }),
      },
    },
    async (request) => {
      const app = appOf(request);
      if (app.id !== request.params.appId) throw notFound('App not found');
      return { valid: true as const, app: { id: app.id, name: app.name } };
    },
  );

  http.get(
    '/settings',
    {
      config: { auth: ['secret', 'public', 'token'] },
      schema: {
        tags: ['apps'],
        summary: 'The app settings (browser credentials: rooms, langs and queue only)',
        response: withErrors({ 200: Type.Object({ settings: Type.Record(Type.String(), Type.Unknown()) }) }),
      },
    },
    async (request) => {
      const app = appOf(request);
      return { settings: request.principal.kind === 'public' ? publicSettings(app.settings) : app.settings };
    },
  );

  http.put(
    '/settings',
    {
      config: { auth: ['secret'] },
      schema: {
        tags: ['apps'],
        summary: 'Change settings: a partial object, deep-merged and validated',
        body: Type.Record(Type.String(), Type.Unknown()),
        response: withErrors({ 200: Type.Object({ settings: Type.Record(Type.String(), Type.Unknown()) }) }),
      },
    },
    async (request) => {
      const app = appOf(request);
      const settings = mergeSettings(app.settings, request.body);
      await saveSettings(ctx.store, app, settings);
      return { settings };
    },
  );

  http.get(
    '/id',
    {
      config: { auth: ['secret', 'token'] },
      schema: {
        tags: ['misc'],
        summary: 'A fresh id',
        response: withErrors({ 200: Type.Object({ id: Type.String() }) }),
      },
    },
    async () => ({ id: newId() }),
  );

  http.get(
    '/health',
    {
      schema: {
        tags: ['misc'],
        summary: 'Liveness and backends',
        response: {
          200: Type.Object({
            status: Type.String(),
            version: Type.String(),
            store: Type.String(),
            bus: Type.String(),
          }),
          503: Type.Ref('Error'),
        },
      },
    },
    async () => {
      await ctx.store.db.selectFrom('apps').select('id').limit(1).execute();
      return { status: 'ok', version, store: ctx.store.dialect, bus: ctx.bus.kind };
    },
  );
}
