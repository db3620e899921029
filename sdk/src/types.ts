import type { paths } from './generated/openapi.ts';

/**
 * Request and response types of every `/v1` route, read from the generated OpenAPI types, so the
 * SDK cannot drift from the server. `Path` is the full path (`/v1/chats/{id}`).
 */
export type Path = keyof paths;
export type Method = 'get' | 'post' | 'put' | 'delete';

type Operation<P extends Path, M extends Method> = M extends keyof paths[P] ? paths[P][M] : never;
type Json<R> = R extends { content: { 'application/json': infer B } } ? B : undefined;

/** The JSON body of the route's success answer (`undefined` for 204). */
export type ResponseOf<P extends Path, M extends Method> =
  Operation<P, M> extends { responses: infer R }
    ? R extends { 200: infer A }
      ? Json<A>
      : R extends { 201: infer A }
        ? Json<A>
        : R extends { 202: infer A }
          ? Json<A>
          : undefined
    : never;

/** The JSON request body of the route. */
export type BodyOf<P extends Path, M extends Method> =
  Operation<P, M> extends { requestBody?: { content: { 'application/json': infer B } } } ? B : never;

/** The query parameters of the route. */
export type QueryOf<P extends Path, M extends Method> =
  Operation<P, M> extends { parameters: { query?: infer Q } } ? NonNullable<Q> : never;

// The objects of docs/api.md ("Shapes"), as the routes return them.
export type App = ResponseOf<'/v1/apps/{appId}', 'get'>['app'];
export type Settings = ResponseOf<'/v1/settings', 'get'>['settings'];
export type WorkTimetable = ResponseOf<'/v1/settings/work-timetable', 'get'>;
export type RoomStatus = ResponseOf<'/v1/rooms/status', 'get'>['rooms'][string];
export type User = ResponseOf<'/v1/users/{id}', 'get'>['user'];
export type Session = ResponseOf<'/v1/users', 'post'>['session'];
export type Agent = ResponseOf<'/v1/agents/{id}', 'get'>['agent'];
export type Chat = ResponseOf<'/v1/chats/{id}', 'get'>['chat'];
export type Message = ResponseOf<'/v1/chats/{id}/messages', 'post'>['message'];
export type Invitation = ResponseOf<'/v1/invitations', 'post'>['invitation'];
export type Ticket = ResponseOf<'/v1/tickets/{id}', 'get'>['ticket'];
export type Webhook = ResponseOf<'/v1/webhooks/{id}', 'get'>['webhook'];
export type Delivery = ResponseOf<'/v1/webhooks/{id}/deliveries', 'get'>['deliveries'][number];
export type Media = ResponseOf<'/v1/media', 'get'>['media'][number];
export type CannedResponse = ResponseOf<'/v1/canned', 'post'>['canned'];
export type ChatsReport = ResponseOf<'/v1/reports/chats', 'get'>;
export type AgentsReport = ResponseOf<'/v1/reports/agents', 'get'>;
export type AuditEntry = ResponseOf<'/v1/audit', 'get'>['entries'][number];
export type Survey = ResponseOf<'/v1/surveys/{surveyId}', 'get'>['survey'];
export type SurveyResponse = ResponseOf<'/v1/surveys/{surveyId}/submit', 'post'>['response'];
