/** The one door from the web apps to the server (CLIENTS.md section 4: built on the SDK). */
export { type Client, createClient, type Realtime, SwitchboardError } from './interim-sdk.ts';
