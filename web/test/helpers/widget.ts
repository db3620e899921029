/**
 * Helpers of the widget's browser suites: the Demo app's credentials, an agent driven through REST and
 * a real socket (the server's own test client), and the widget's controls by their accessible names.
 */
import type { Locator, Page } from 'playwright-core';
import type { Json } from '../../../server/test/helpers/harness.ts';
import { type Client, connect, type Frame } from '../../../server/test/helpers/ws.ts';
import { createAgent, type Person, type TestApp, type WebServer, waitFor } from './server.ts';

export type { Client, Frame };

/** What the server printed on first start about the Demo app and its agent (the first-start record). */
interface FirstStartDemo {
  appId: string;
  secret: string;
  domainKey: string;
  agent: { contact: string; password: string };
}

function firstStartDemo(server: WebServer): FirstStartDemo {
  const demo = (server.sb as unknown as { firstStart: { demo?: FirstStartDemo } }).firstStart.demo;
  if (!demo) throw new Error('no Demo app: the store was not empty');
  return demo;
}

/** The demo agent's sign-in, as the banner prints it. */
export function demoAgent(server: WebServer): FirstStartDemo['agent'] {
  return firstStartDemo(server).agent;
}

/** The Demo app the server made on first start, with its credentials (from the first-start record). */
export function demoApp(server: WebServer): TestApp {
  const demo = firstStartDemo(server);
  const id = demo.appId;
  return {
    id,
    secret: demo.secret,
    domainKey: demo.domainKey,
    asApp: { 'x-hyper-appid': id, 'x-hyper-secret': demo.secret },
    asKey: { 'x-hyper-appid': id, 'x-hyper-key': demo.domainKey },
    asAppId: { 'x-hyper-appid': id },
    as: (token) => ({ 'x-hyper-appid': id, 'x-hyper-token': token }),
  };
}

export async function expectOk(
  server: WebServer,
  method: string,
  url: string,
  headers: Json,
  body?: unknown,
) {
  const res = await server.request(method, url, { headers, ...(body !== undefined ? { body } : {}) });
  if (res.status >= 300) throw new Error(`${method} ${url} → ${res.status} ${res.text}`);
  return res.body;
}

export interface Agent extends Person {
  socket: Client & { session: Json };
}

/** An agent signed in (online) with a socket open, as the console would be. */
export async function onlineAgent(server: WebServer, app: TestApp, body: Json = {}): Promise<Agent> {
  const person = await createAgent(server, app, { maxChats: 5, ...body });
  const socket = await connect(server, app, { token: person.token });
  return { ...person, socket };
}

/** Reads frames until one matches (other frames are skipped: the widget's side is what is tested). */
export async function frame(
  client: Client,
  match: (f: Frame) => boolean,
  what: string,
  ms = 10_000,
): Promise<Frame> {
  const deadline = Date.now() + ms;
  for (;;) {
    const left = deadline - Date.now();
    if (left <= 0) throw new Error(`timed out waiting for ${what}`);
    const next = await client.next(left, what);
    if (match(next)) return next;
  }
}

export async function pendingInvitation(server: WebServer, app: TestApp, agent: Person, chatId: string) {
  return waitFor(
    async () => {
      const res = await server.request('GET', `/v1/invitations?status=pending`, {
        headers: app.as(agent.token),
      });
      return (res.body.invitations as Json[] | undefined)?.find((i) => i.chatId === chatId);
    },
    10_000,
    'the invitation',
  );
}

/** The widget's controls, found the way outside suites find them (docs/widget.md, accessible names). */
export function widget(page: Page) {
  const dialog = page.getByRole('dialog', { name: 'Chat' });
  return {
    launcher: page.getByRole('button', { name: 'Open chat' }),
    dialog,
    name: dialog.getByRole('textbox', { name: 'Name' }),
    email: dialog.getByRole('textbox', { name: 'Email' }),
    start: dialog.getByRole('button', { name: 'Start chat' }),
    message: dialog.getByRole('textbox', { name: 'Message' }),
    send: dialog.getByRole('button', { name: 'Send', exact: true }),
    log: dialog.getByRole('log'),
    items: dialog.getByRole('log').getByRole('listitem'),
    status: dialog.getByRole('status'),
    end: dialog.getByRole('button', { name: 'End chat' }),
    alert: dialog.getByRole('alert'),
  };
}

export async function startChat(
  page: Page,
  name = 'Vera Visitor',
  email = 'vera@example.com',
): Promise<void> {
  const w = widget(page);
  await w.launcher.click();
  await w.name.fill(name);
  await w.email.fill(email);
  await w.start.click();
  await w.message.waitFor();
}

/** The chat id the widget keeps in localStorage for this app. */
export async function storedChatId(page: Page, appId: string): Promise<string> {
  return waitFor(
    () =>
      page.evaluate((key) => {
        const raw = localStorage.getItem(key);
        return raw ? ((JSON.parse(raw) as { chatId?: string }).chatId ?? false) : false;
      }, `switchboard:${appId}`),
    10_000,
    'the stored chat',
  );
}

export async function textOf(locator: Locator): Promise<string> {
  return (await locator.textContent()) ?? '';
}
