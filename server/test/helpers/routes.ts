/**
 * The REST routes (docs/api.md), as `METHOD /path` below `/v1` with `{param}` placeholders.
 * `later`: routing and webhooks, which are built in later issues; the other routes must exist now.
 * `body`: the route takes a request body (`multipart` for the upload).
 */
export interface SpecRoute {
  method: 'GET' | 'POST' | 'PUT' | 'DELETE';
  path: string;
  body?: 'json' | 'multipart';
  later?: boolean;
}

const r = (
  method: SpecRoute['method'],
  path: string,
  extra: Omit<SpecRoute, 'method' | 'path'> = {},
): SpecRoute => ({ method, path, ...extra });

export const SPEC_ROUTES: SpecRoute[] = [
  // Apps, settings, misc
  r('POST', '/apps', { body: 'json' }),
  r('GET', '/apps'),
  r('GET', '/apps/{appId}'),
  r('PUT', '/apps/{appId}', { body: 'json' }),
  r('GET', '/apps/{appId}/validate'),
  r('GET', '/settings'),
  r('PUT', '/settings', { body: 'json' }),
  r('GET', '/id'),
  r('GET', '/health'),
  // Users
  r('POST', '/users', { body: 'json' }),
  r('GET', '/users'),
  r('GET', '/users/{id}'),
  r('PUT', '/users/{id}', { body: 'json' }),
  r('POST', '/users/{id}/token'),
  r('POST', '/users/{id}/activity', { body: 'json' }),
  // Agents
  r('POST', '/agents', { body: 'json' }),
  r('GET', '/agents'),
  r('GET', '/agents/{id}'),
  r('PUT', '/agents/{id}', { body: 'json' }),
  r('POST', '/agents/login', { body: 'json' }),
  r('POST', '/agents/logout', { body: 'json' }),
  r('GET', '/agents/available'),
  r('GET', '/agents/online'),
  // Chats
  r('POST', '/chats', { body: 'json' }),
  r('GET', '/chats'),
  r('GET', '/chats/{id}'),
  r('PUT', '/chats/{id}', { body: 'json' }),
  r('DELETE', '/chats/{id}', { body: 'json' }),
  r('GET', '/chats/{id}/assign', { later: true }),
  r('POST', '/chats/{id}/assign', { later: true }),
  r('GET', '/chats/{id}/messages'),
  r('POST', '/chats/{id}/messages', { body: 'json' }),
  r('GET', '/chats/{id}/history'),
  r('POST', '/chats/{id}/history', { body: 'json' }),
  r('POST', '/chats/{id}/toinbox', { later: true }),
  r('GET', '/chats/{id}/users'),
  r('POST', '/chats/{id}/join', { body: 'json' }),
  r('PUT', '/chats/{id}/leave', { body: 'json' }),
  // Invitations, messages, media, queues, tickets
  r('POST', '/invitations', { body: 'json', later: true }),
  r('GET', '/invitations', { later: true }),
  r('POST', '/invitations/accept', { body: 'json', later: true }),
  r('POST', '/invitations/reject', { body: 'json', later: true }),
  r('PUT', '/messages/{id}/read', { body: 'json' }),
  r('POST', '/media', { body: 'multipart' }),
  r('GET', '/media/{id}'),
  r('GET', '/media'),
  r('GET', '/queues/status', { later: true }),
  r('GET', '/queues/update/{chatId}', { later: true }),
  r('GET', '/tickets'),
  r('GET', '/tickets/{id}'),
  // Webhooks
  r('POST', '/webhooks', { body: 'json', later: true }),
  r('GET', '/webhooks', { later: true }),
  r('GET', '/webhooks/{id}', { later: true }),
  r('PUT', '/webhooks/{id}', { body: 'json', later: true }),
  r('DELETE', '/webhooks/{id}', { later: true }),
  r('POST', '/webhooks/{id}/rotate', { later: true }),
  r('GET', '/webhooks/{id}/deliveries', { later: true }),
  r('GET', '/webhooks/{id}/deliveries/{deliveryId}', { later: true }),
  r('POST', '/webhooks/{id}/deliveries/{deliveryId}/retry', { later: true }),
  r('POST', '/webhooks/{id}/recover', { body: 'json', later: true }),
];

export const routeKey = (route: { method: string; path: string }): string => `${route.method} ${route.path}`;

/** `/chats/{id}` → `/chats/:id`, the router's spelling. */
export const routerPath = (path: string): string => path.replace(/\{(\w+)\}/g, ':$1');
