import { queryString, type Transport } from './transport.ts';
import type { BodyOf, Method, Path, QueryOf, ResponseOf } from './types.ts';

/**
 * One typed method per `/v1` route (docs/api.md), grouped by resource. Every signature is
 * derived from the generated OpenAPI types: a route whose schema changes changes its method's type.
 */

const e = encodeURIComponent;

type Query<P extends Path, M extends Method> = [QueryOf<P, M>] extends [never] ? never : QueryOf<P, M>;

function bind(transport: Transport) {
  return <P extends Path, M extends Method>(
    method: M,
    path: string,
    options: { query?: Query<P, M> | undefined; body?: BodyOf<P, M> | FormData | undefined } = {},
  ): Promise<ResponseOf<P, M>> =>
    transport.request(method, path, {
      query: options.query as Record<string, string> | undefined,
      body: options.body,
    }) as Promise<ResponseOf<P, M>>;
}

export function createRestApi(transport: Transport) {
  const call = bind(transport);
  return {
    apps: {
      create: (body: BodyOf<'/v1/apps', 'post'>) => call<'/v1/apps', 'post'>('post', '/apps', { body }),
      list: () => call<'/v1/apps', 'get'>('get', '/apps'),
      get: (appId: string) => call<'/v1/apps/{appId}', 'get'>('get', `/apps/${e(appId)}`),
      update: (appId: string, body: BodyOf<'/v1/apps/{appId}', 'put'>) =>
        call<'/v1/apps/{appId}', 'put'>('put', `/apps/${e(appId)}`, { body }),
      validate: (appId: string) =>
        call<'/v1/apps/{appId}/validate', 'get'>('get', `/apps/${e(appId)}/validate`),
      /** A new secret; the old one keeps working for `graceSeconds` (default 0). */
      rotate: (appId: string, body: BodyOf<'/v1/apps/{appId}/rotate', 'post'> = {}) =>
        call<'/v1/apps/{appId}/rotate', 'post'>('post', `/apps/${e(appId)}/rotate`, { body }),
    },
    settings: {
      get: () => call<'/v1/settings', 'get'>('get', '/settings'),
      update: (body: BodyOf<'/v1/settings', 'put'>) =>
        call<'/v1/settings', 'put'>('put', '/settings', { body }),
      /** Opening hours (`/settings/work-timetable`): read with any credentials, replaced with the secret. */
      workTimetable: () => call<'/v1/settings/work-timetable', 'get'>('get', '/settings/work-timetable'),
      updateWorkTimetable: (body: BodyOf<'/v1/settings/work-timetable', 'put'>) =>
        call<'/v1/settings/work-timetable', 'put'>('put', '/settings/work-timetable', { body }),
    },
    rooms: {
      /** `GET /rooms/status`: open now, `closesAt`, `nextOpen` per room. */
      status: (query?: QueryOf<'/v1/rooms/status', 'get'>) =>
        call<'/v1/rooms/status', 'get'>('get', '/rooms/status', { query }),
    },
    /** A fresh id (`GET /id`). */
    id: () => call<'/v1/id', 'get'>('get', '/id'),
    health: () => call<'/v1/health', 'get'>('get', '/health'),
    users: {
      create: (body: BodyOf<'/v1/users', 'post'> = {}) =>
        call<'/v1/users', 'post'>('post', '/users', { body }),
      list: (query?: QueryOf<'/v1/users', 'get'>) => call<'/v1/users', 'get'>('get', '/users', { query }),
      get: (id: string) => call<'/v1/users/{id}', 'get'>('get', `/users/${e(id)}`),
      update: (id: string, body: BodyOf<'/v1/users/{id}', 'put'>) =>
        call<'/v1/users/{id}', 'put'>('put', `/users/${e(id)}`, { body }),
      token: (id: string) => call<'/v1/users/{id}/token', 'post'>('post', `/users/${e(id)}/token`),
      /** Erases an end user (docs/privacy.md): its profile, texts and files; ids, times and counts stay. */
      erase: (id: string) => call<'/v1/users/{id}', 'delete'>('delete', `/users/${e(id)}`),
      /** Everything stored about an end user, a page of its chats at a time (`next` → `cursor`). */
      export: (id: string, query?: QueryOf<'/v1/users/{id}/export', 'get'>) =>
        call<'/v1/users/{id}/export', 'get'>('get', `/users/${e(id)}/export`, { query }),
      activity: (id: string, body: BodyOf<'/v1/users/{id}/activity', 'post'>) =>
        call<'/v1/users/{id}/activity', 'post'>('post', `/users/${e(id)}/activity`, { body }),
    },
    agents: {
      create: (body: BodyOf<'/v1/agents', 'post'>) => call<'/v1/agents', 'post'>('post', '/agents', { body }),
      list: () => call<'/v1/agents', 'get'>('get', '/agents'),
      get: (id: string) => call<'/v1/agents/{id}', 'get'>('get', `/agents/${e(id)}`),
      update: (id: string, body: BodyOf<'/v1/agents/{id}', 'put'>) =>
        call<'/v1/agents/{id}', 'put'>('put', `/agents/${e(id)}`, { body }),
      /** Deactivates and anonymises the agent (never removed: its lines stay in transcripts). */
      delete: (id: string) => call<'/v1/agents/{id}', 'delete'>('delete', `/agents/${e(id)}`),
      login: (body: BodyOf<'/v1/agents/login', 'post'>) =>
        call<'/v1/agents/login', 'post'>('post', '/agents/login', { body }),
      logout: (body: BodyOf<'/v1/agents/logout', 'post'> = {}) =>
        call<'/v1/agents/logout', 'post'>('post', '/agents/logout', { body }),
      available: (query?: QueryOf<'/v1/agents/available', 'get'>) =>
        call<'/v1/agents/available', 'get'>('get', '/agents/available', { query }),
      online: (query?: QueryOf<'/v1/agents/online', 'get'>) =>
        call<'/v1/agents/online', 'get'>('get', '/agents/online', { query }),
      /** Whether the app's agents sign in with SSO (`GET /agents/sso`). */
      sso: () => call<'/v1/agents/sso', 'get'>('get', '/agents/sso'),
      /**
       * Where a browser goes to sign in with SSO (`GET /agents/sso/start`, a navigation, not a call):
       * the provider's pages, then the console with a one-time code for `ssoSession`.
       */
      ssoStartUrl: () =>
        `${transport.origin}/v1/agents/sso/start${queryString({ appId: transport.options.appId })}`,
      /** The one-time code of an SSO sign-in → the agent's session, as `login` answers. */
      ssoSession: (body: BodyOf<'/v1/agents/sso/session', 'post'>) =>
        call<'/v1/agents/sso/session', 'post'>('post', '/agents/sso/session', { body }),
    },
    chats: {
      create: (body: BodyOf<'/v1/chats', 'post'> = {}) =>
        call<'/v1/chats', 'post'>('post', '/chats', { body }),
      list: (query?: QueryOf<'/v1/chats', 'get'>) => call<'/v1/chats', 'get'>('get', '/chats', { query }),
      get: (id: string, query?: QueryOf<'/v1/chats/{id}', 'get'>) =>
        call<'/v1/chats/{id}', 'get'>('get', `/chats/${e(id)}`, { query }),
      update: (id: string, body: BodyOf<'/v1/chats/{id}', 'put'>) =>
        call<'/v1/chats/{id}', 'put'>('put', `/chats/${e(id)}`, { body }),
      /** `DELETE /chats/{id}`: closes the chat. */
      close: (
        id: string,
        options: { userId?: string; extraData?: BodyOf<'/v1/chats/{id}', 'delete'>['extraData'] } = {},
      ) =>
        call<'/v1/chats/{id}', 'delete'>('delete', `/chats/${e(id)}`, {
          query: (options.userId ? { userId: options.userId } : undefined) as Query<
            '/v1/chats/{id}',
            'delete'
          >,
          body: options.extraData === undefined ? {} : { extraData: options.extraData },
        }),
      assign: (id: string, query?: QueryOf<'/v1/chats/{id}/assign', 'post'>) =>
        call<'/v1/chats/{id}/assign', 'post'>('post', `/chats/${e(id)}/assign`, { query }),
      messages: (id: string, query?: QueryOf<'/v1/chats/{id}/messages', 'get'>) =>
        call<'/v1/chats/{id}/messages', 'get'>('get', `/chats/${e(id)}/messages`, { query }),
      /** `POST /chats/{id}/messages`; give a `clientId` to make retries safe. */
      send: (id: string, body: BodyOf<'/v1/chats/{id}/messages', 'post'>) =>
        call<'/v1/chats/{id}/messages', 'post'>('post', `/chats/${e(id)}/messages`, { body }),
      /** The conversation as JSON (`{history}`); see `historyCsv` for the CSV export. */
      history: (id: string) =>
        transport.request('get', `/chats/${e(id)}/history`, { query: { format: 'json' } }) as Promise<{
          history: Array<Record<string, unknown>>;
        }>,
      historyCsv: (id: string) =>
        transport.request('get', `/chats/${e(id)}/history`, {
          query: { format: 'csv' },
          as: 'text',
        }) as Promise<string>,
      importHistory: (id: string, body: BodyOf<'/v1/chats/{id}/history', 'post'>) =>
        call<'/v1/chats/{id}/history', 'post'>('post', `/chats/${e(id)}/history`, { body }),
      toInbox: (id: string) => call<'/v1/chats/{id}/toinbox', 'post'>('post', `/chats/${e(id)}/toinbox`),
      users: (id: string) => call<'/v1/chats/{id}/users', 'get'>('get', `/chats/${e(id)}/users`),
      join: (id: string, body: BodyOf<'/v1/chats/{id}/join', 'post'>) =>
        call<'/v1/chats/{id}/join', 'post'>('post', `/chats/${e(id)}/join`, { body }),
      leave: (id: string, body: BodyOf<'/v1/chats/{id}/leave', 'put'>) =>
        call<'/v1/chats/{id}/leave', 'put'>('put', `/chats/${e(id)}/leave`, { body }),
      /** `POST /chats/{id}/watchers`: watch the chat silently (supervisors, admins; the secret names `userId`). */
      watch: (id: string, body: BodyOf<'/v1/chats/{id}/watchers', 'post'> = {}) =>
        call<'/v1/chats/{id}/watchers', 'post'>('post', `/chats/${e(id)}/watchers`, { body }),
      /** `DELETE /chats/{id}/watchers/{userId}`: stop watching. */
      unwatch: (id: string, userId: string) =>
        call<'/v1/chats/{id}/watchers/{userId}', 'delete'>('delete', `/chats/${e(id)}/watchers/${e(userId)}`),
      /** `POST /chats/{id}/intervene`: take the chat over (the other agents leave, the caller joins). */
      intervene: (id: string, body: BodyOf<'/v1/chats/{id}/intervene', 'post'> = {}) =>
        call<'/v1/chats/{id}/intervene', 'post'>('post', `/chats/${e(id)}/intervene`, { body }),
    },
    invitations: {
      create: (body: BodyOf<'/v1/invitations', 'post'>) =>
        call<'/v1/invitations', 'post'>('post', '/invitations', { body }),
      list: (query?: QueryOf<'/v1/invitations', 'get'>) =>
        call<'/v1/invitations', 'get'>('get', '/invitations', { query }),
      accept: (body: BodyOf<'/v1/invitations/accept', 'post'>) =>
        call<'/v1/invitations/accept', 'post'>('post', '/invitations/accept', { body }),
      reject: (body: BodyOf<'/v1/invitations/reject', 'post'>) =>
        call<'/v1/invitations/reject', 'post'>('post', '/invitations/reject', { body }),
    },
    messages: {
      read: (id: string, body: BodyOf<'/v1/messages/{id}/read', 'put'> = {}) =>
        call<'/v1/messages/{id}/read', 'put'>('put', `/messages/${e(id)}/read`, { body }),
    },
    media: {
      /**
       * `POST /media` (multipart): uploads a file into a chat as a media message. `senderId` names the
       * sender with the app secret; a user's token is the sender itself.
       */
      upload: (input: { chatId: string; senderId?: string; file: Blob; name: string }) => {
        const form = new FormData();
        form.set('chatId', input.chatId);
        if (input.senderId !== undefined) form.set('senderId', input.senderId);
        form.set('media', input.file, input.name);
        return call<'/v1/media', 'post'>('post', '/media', { body: form });
      },
      list: (query: QueryOf<'/v1/media', 'get'>) => call<'/v1/media', 'get'>('get', '/media', { query }),
      /** The bytes of a media file. */
      download: (id: string) =>
        transport.request('get', `/media/${e(id)}`, { as: 'bytes' }) as Promise<Uint8Array>,
    },
    queues: {
      status: () => call<'/v1/queues/status', 'get'>('get', '/queues/status'),
      position: (chatId: string) =>
        call<'/v1/queues/update/{chatId}', 'get'>('get', `/queues/update/${e(chatId)}`),
    },
    tickets: {
      list: (query?: QueryOf<'/v1/tickets', 'get'>) =>
        call<'/v1/tickets', 'get'>('get', '/tickets', { query }),
      get: (id: string) => call<'/v1/tickets/{id}', 'get'>('get', `/tickets/${e(id)}`),
    },
    webhooks: {
      create: (body: BodyOf<'/v1/webhooks', 'post'>) =>
        call<'/v1/webhooks', 'post'>('post', '/webhooks', { body }),
      list: () => call<'/v1/webhooks', 'get'>('get', '/webhooks'),
      get: (id: string) => call<'/v1/webhooks/{id}', 'get'>('get', `/webhooks/${e(id)}`),
      update: (id: string, body: BodyOf<'/v1/webhooks/{id}', 'put'>) =>
        call<'/v1/webhooks/{id}', 'put'>('put', `/webhooks/${e(id)}`, { body }),
      delete: (id: string) => call<'/v1/webhooks/{id}', 'delete'>('delete', `/webhooks/${e(id)}`),
      rotate: (id: string) => call<'/v1/webhooks/{id}/rotate', 'post'>('post', `/webhooks/${e(id)}/rotate`),
      deliveries: (id: string, query?: QueryOf<'/v1/webhooks/{id}/deliveries', 'get'>) =>
        call<'/v1/webhooks/{id}/deliveries', 'get'>('get', `/webhooks/${e(id)}/deliveries`, { query }),
      delivery: (id: string, deliveryId: string) =>
        call<'/v1/webhooks/{id}/deliveries/{deliveryId}', 'get'>(
          'get',
          `/webhooks/${e(id)}/deliveries/${e(deliveryId)}`,
        ),
      retry: (id: string, deliveryId: string) =>
        call<'/v1/webhooks/{id}/deliveries/{deliveryId}/retry', 'post'>(
          'post',
          `/webhooks/${e(id)}/deliveries/${e(deliveryId)}/retry`,
        ),
      recover: (id: string, body: BodyOf<'/v1/webhooks/{id}/recover', 'post'>) =>
        call<'/v1/webhooks/{id}/recover', 'post'>('post', `/webhooks/${e(id)}/recover`, { body }),
    },
    /** Reports (docs/reports.md): the secret, an admin person, or a supervisor (its rooms). */
    reports: {
      chats: (query?: QueryOf<'/v1/reports/chats', 'get'>) =>
        call<'/v1/reports/chats', 'get'>('get', '/reports/chats', { query }),
      agents: (query?: QueryOf<'/v1/reports/agents', 'get'>) =>
        call<'/v1/reports/agents', 'get'>('get', '/reports/agents', { query }),
      /** One CSV line per chat created in the range (the secret or an admin person). */
      exportCsv: (query: Omit<QueryOf<'/v1/chats/export', 'get'>, 'format'> = {}) =>
        transport.request('get', '/chats/export', {
          query: { ...query, format: 'csv' },
          as: 'text',
        }) as Promise<string>,
    },
    canned: {
      list: (query?: QueryOf<'/v1/canned', 'get'>) => call<'/v1/canned', 'get'>('get', '/canned', { query }),
      create: (body: BodyOf<'/v1/canned', 'post'>) => call<'/v1/canned', 'post'>('post', '/canned', { body }),
      update: (id: string, body: BodyOf<'/v1/canned/{id}', 'put'>) =>
        call<'/v1/canned/{id}', 'put'>('put', `/canned/${e(id)}`, { body }),
      delete: (id: string) => call<'/v1/canned/{id}', 'delete'>('delete', `/canned/${e(id)}`),
    },
    audit: {
      /** The audit log, newest first: secret or an admin person (docs/security.md, "Audit log"). */
      list: (query?: QueryOf<'/v1/audit', 'get'>) => call<'/v1/audit', 'get'>('get', '/audit', { query }),
    },
    surveys: {
      get: (surveyId: string, query: QueryOf<'/v1/surveys/{surveyId}', 'get'>) =>
        call<'/v1/surveys/{surveyId}', 'get'>('get', `/surveys/${e(surveyId)}`, { query }),
      submit: (surveyId: string, body: BodyOf<'/v1/surveys/{surveyId}/submit', 'post'>) =>
        call<'/v1/surveys/{surveyId}/submit', 'post'>('post', `/surveys/${e(surveyId)}/submit`, { body }),
      responses: (surveyId: string, query?: QueryOf<'/v1/surveys/{surveyId}/responses', 'get'>) =>
        call<'/v1/surveys/{surveyId}/responses', 'get'>('get', `/surveys/${e(surveyId)}/responses`, {
          query,
        }),
    },
  };
}

export type RestApi = ReturnType<typeof createRestApi>;
