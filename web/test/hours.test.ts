import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { Page } from 'playwright-core';
import { launchBrowser, screenshot, type TestBrowser } from './helpers/browser.ts';
import { createTestApp, describeEachStore, startWebServer, type WebServer } from './helpers/server.ts';
import { demoApp, expectOk, storedChatId, textOf, widget } from './helpers/widget.ts';

/** Opening hours in the widget (closed status, leave a message) and the admin's Hours tab. */

const shot = (page: Page, name: string) => screenshot(page, `hours-${name}`);

const today = () => new Date().toISOString().slice(0, 10);
const tomorrow = () => new Date(Date.now() + 86_400_000).toISOString().slice(0, 10);
const EVERY_DAY = ['Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday', 'Sunday'];
/** Every day 09:00–17:00 UTC, today a holiday: closed until tomorrow 09:00 UTC. */
const closedToday = {
  timezone: 'UTC',
  weeks: [{ queueId: 1, ...Object.fromEntries(EVERY_DAY.map((d) => [d, [{ from: '09:00', to: '17:00' }]])) }],
  holidays: [{ queueId: 1, days: [today()] }],
};

describeEachStore('opening hours in the browser', (kind) => {
  let server: WebServer;
  let browser: TestBrowser;
  before(async () => {
    server = await startWebServer(kind);
    browser = await launchBrowser();
  });
  after(async () => {
    await browser?.close();
    await server?.close();
  });

  test('widget: a closed room says so with the next opening, and the message left becomes a ticket', async () => {
    const app = demoApp(server);
    await expectOk(server, 'PUT', '/v1/settings/work-timetable', app.asApp, closedToday);
    const context = await browser.context();
    const page = await context.newPage();
    await page.goto(`${server.url}/demo/`);
    const w = widget(page);
    await w.launcher.click();
    const status = w.dialog.getByRole('status').filter({ hasText: 'closed' });
    await status.waitFor();
    // The next opening in the visitor's words: tomorrow's weekday and day of the month.
    const opening = new Date(`${tomorrow()}T09:00:00Z`);
    const weekday = new Intl.DateTimeFormat('en-US', { weekday: 'long' }).format(opening);
    const text = await textOf(status);
    assert.match(text, /We are closed now\. We open again /);
    assert.ok(text.includes(weekday), text);
    await w.name.fill('Nora Night');
    await w.email.fill('nora@example.com');
    await w.message.fill('Please call me back tomorrow about invoice 77.');
    await shot(page, 'widget-closed');
    await w.dialog.getByRole('button', { name: 'Send message' }).click();
    await w.dialog.getByText('we will reply to nora@example.com').waitFor();
    await w.dialog.getByRole('listitem').filter({ hasText: 'invoice 77' }).waitFor();
    await shot(page, 'widget-closed-sent');
    const chatId = await storedChatId(page, app.id);
    const { tickets } = await expectOk(server, 'GET', `/v1/tickets?externalId=${chatId}`, app.asApp);
    assert.equal(tickets.length, 1);
    assert.equal(tickets[0].subject, 'Please call me back tomorrow about invoice 77.');
    const { chat } = await expectOk(server, 'GET', `/v1/chats/${chatId}`, app.asApp);
    assert.equal(chat.status, 'closed');
    await context.close();

    // A closed `queue` room still takes chats: the status line over the pre-chat form; the chat waits.
    await expectOk(server, 'PUT', '/v1/settings', app.asApp, {
      rooms: [{ id: 1, name: 'General', offHours: 'queue' }],
    });
    const second = await browser.context();
    const visitor = await second.newPage();
    await visitor.goto(`${server.url}/demo/`);
    const v = widget(visitor);
    await v.launcher.click();
    await v.dialog.getByRole('status').filter({ hasText: 'closed' }).waitFor();
    await v.name.fill('Quinn Queue');
    await v.email.fill('quinn@example.com');
    await v.dialog.getByRole('button', { name: 'Start chat' }).click();
    const waiting = await storedChatId(visitor, app.id);
    const { chat: queued } = await expectOk(server, 'GET', `/v1/chats/${waiting}`, app.asApp);
    assert.equal(queued.status, 'waiting');
    await shot(visitor, 'widget-closed-queue');
    await second.close();
    await expectOk(server, 'PUT', '/v1/settings/work-timetable', app.asApp, { timezone: 'UTC' });
  });

  test('admin: the Hours tab edits the time zone, a room week, holidays and offHours, and saves them', async () => {
    const app = await createTestApp(server, 'Hours admin');
    const context = await browser.context({ viewport: { width: 1100, height: 1400 } });
    const page = await context.newPage();
    await page.goto(`${server.url}/admin/?appId=${app.id}`);
    await page.getByRole('textbox', { name: 'App secret' }).fill(app.secret);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('tab', { name: 'Hours' }).click();
    const form = page.getByRole('form', { name: 'Hours' });
    await form.getByRole('combobox', { name: 'Time zone' }).fill('Europe/Madrid');
    const room = form.getByRole('group', { name: 'General' });
    await room.getByRole('combobox', { name: 'Outside hours' }).selectOption('queue');
    await room.getByRole('checkbox', { name: /Opening hours/ }).check();
    await room.getByRole('textbox', { name: 'Monday' }).fill('09:00-14:00, 15:00-18:00');
    await room.getByRole('textbox', { name: 'Friday' }).fill('09:00-14:00');
    await room.getByRole('textbox', { name: 'Holidays' }).fill('2026-12-25, 2027-01-01');
    // A range that ends before it starts: the server's 400 is shown, nothing is saved.
    await room.getByRole('textbox', { name: 'Tuesday' }).fill('14:00-09:00');
    await form.getByRole('button', { name: 'Save hours' }).click();
    await page.getByRole('alert').filter({ hasText: 'must be later than from' }).waitFor();
    const before = await expectOk(server, 'GET', '/v1/settings/work-timetable', app.asKey);
    assert.deepEqual(before, { timezone: 'UTC', weeks: [], holidays: [] });
    await room.getByRole('textbox', { name: 'Tuesday' }).fill('');
    await form.getByRole('button', { name: 'Save hours' }).click();
    await form.getByRole('status').filter({ hasText: 'Hours saved.' }).waitFor();
    await shot(page, 'admin-hours');
    const timetable = await expectOk(server, 'GET', '/v1/settings/work-timetable', app.asKey);
    assert.equal(timetable.timezone, 'Europe/Madrid');
    assert.deepEqual(timetable.weeks, [
      {
        queueId: 1,
        Monday: [
          { from: '09:00', to: '14:00' },
          { from: '15:00', to: '18:00' },
        ],
        Tuesday: [],
        Wednesday: [],
        Thursday: [],
        Friday: [{ from: '09:00', to: '14:00' }],
        Saturday: [],
        Sunday: [],
      },
    ]);
    assert.deepEqual(timetable.holidays, [{ queueId: 1, days: ['2026-12-25', '2027-01-01'] }]);
    const { settings } = await expectOk(server, 'GET', '/v1/settings', app.asApp);
    assert.equal(settings.rooms[0].offHours, 'queue');
    // The Settings tab's save keeps the room's offHours.
    await page.getByRole('tab', { name: 'Settings' }).click();
    await page.getByRole('button', { name: 'Save settings' }).click();
    await page.getByRole('status').filter({ hasText: 'Settings saved.' }).waitFor();
    const again = await expectOk(server, 'GET', '/v1/settings', app.asApp);
    assert.equal(again.settings.rooms[0].offHours, 'queue');
    // Back on Hours, the saved values are shown.
    await page.getByRole('tab', { name: 'Hours' }).click();
    await assertValue(page, 'Monday', '09:00-14:00, 15:00-18:00');
    await context.close();
  });
});

async function assertValue(page: Page, name: string, value: string): Promise<void> {
  const box = page.getByRole('group', { name: 'General' }).getByRole('textbox', { name });
  await box.waitFor();
  assert.equal(await box.inputValue(), value);
}
