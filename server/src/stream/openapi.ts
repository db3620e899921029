import { Type } from '@sinclair/typebox';
import { TRIGGERS } from '../events/catalog.ts';
import { withErrors } from '../wire/error.ts';

/** How `GET /v1/stream` appears in the OpenAPI document: a WebSocket upgrade, described in words. */
export const streamRouteSchema = {
  tags: ['stream'],
  summary: 'Event stream: a WebSocket carrying the webhook envelopes of the app’s events (upgrade only)',
  description: [
    'Open a WebSocket with the `x-hyper-appid` and `x-hyper-secret` headers (never in the URL: such an',
    'upgrade is closed with 4001). Frames: first `{"event":"session","data":{"appId","events","cursor","heartbeat"}}`,',
    'then one frame per event, the webhook envelope plus its id and cursor:',
    '`{"trigger","appId","data","created_at","id","cursor"}`. With `cursor=` every event after it is',
    'replayed in order, then `{"event":"resumed","data":{"replayed":n},"cursor"}`; a cursor that cannot',
    'be resumed gets `{"event":"resync-required","cursor"}`. With `chats:assign` in `events`, each routing',
    'jump sends its envelope and waits up to 5 s for `{"reply":"<id>","data":{"agentId"}}`.',
    'Bad frames get `{"error":{"code","message"}}`. Close codes: 4001 bad credentials, 1008 bad `events`',
    '(after an error frame), 4008 rate limited, 1009 frame over 64 KB, 1013 slow consumer, 1001 server',
    'stopping. A plain HTTP GET answers 426. Guide: docs/stream.md.',
  ].join(' '),
  security: [{ appId: [], secret: [] }],
  querystring: Type.Object({
    events: Type.Optional(
      Type.String({
        description: `Comma-separated triggers (default: all but chats:assign): ${TRIGGERS.join(', ')}`,
      }),
    ),
    cursor: Type.Optional(
      Type.String({ description: 'Resume after this cursor (the `cursor` of the last event handled)' }),
    ),
  }),
  response: withErrors(
    {
      101: Type.Null({
        description: 'Switching Protocols: the stream is open (bad credentials then close 4001)',
      }),
      426: Type.Ref('Error'),
    },
    [400],
  ),
};
