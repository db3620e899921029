/** The one door from the web apps to the server (docs/web.md: built on the SDK). */
export {
  type Client,
  createClient,
  type RealtimeConnection as Realtime,
  type RealtimeRequestName,
  type RealtimeRequests,
  SwitchboardError,
  TRIGGERS,
} from '@switchboard/sdk';
