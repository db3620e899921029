import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, before, mock, test } from 'node:test';
import { commitChange } from '../../server/src/events/commit.ts';
import { launchBrowser, screenshot, type TestBrowser } from './helpers/browser.ts';
import {
  createTestApp,
  describeEachStore,
  startWebServer,
  type TestApp,
  type WebServer,
} from './helpers/server.ts';

/**
 * The admin's Reports tab (docs/reports.md, docs/web.md): a week of history seeded through the API
 * with the server's clock moved back (node:test's Date mock), then the tab read in Chromium: the four
 * charts by their text alternatives, the totals, the agents table, the room filter, the CSV download.
 */

const DAY = 86_400;

describeEachStore('the admin Reports tab', (kind) => {
  let server: WebServer;
  let browser: TestBrowser;
  let app: TestApp;
  let seeded = 0;
  let support = 0;

  async function call(method: string, url: string, body?: unknown) {
    const res = await server.request(method, url, { headers: app.asApp, ...(body ? { body } : {}) });
    assert.ok(res.status < 300, `${method} ${url} → ${res.status} ${res.text}`);
    return res.body;
  }

  before(async () => {
    server = await startWebServer(kind);
    browser = await launchBrowser();
    app = await createTestApp(server, 'Reports web');
    await call('PUT', '/v1/settings', {
      rooms: [
        { id: 1, name: 'Sales' },
        { id: 2, name: 'Support' },
      ],
      assign: { onCreate: false },
    });
    const now = Math.floor(Date.now() / 1000);
    // Local midnight six days ago, in the browser's (= this process's) zone: the tab's default range.
    const today = new Date();
    const first = Math.floor(
      new Date(today.getFullYear(), today.getMonth(), today.getDate() - 6).getTime() / 1000,
    );
    mock.timers.enable({ apis: ['Date'], now: (first + 8 * 3600) * 1000 });
    try {
      const made = await call('POST', '/v1/agents', {
        name: 'Ana Torres',
        contact: `ana-${kind}@example.com`,
        password: 'pw-123456',
        rooms: [1, 2],
      });
      const ana = made.agent.id as string;
      await call('POST', '/v1/agents/login', { contact: `ana-${kind}@example.com`, password: 'pw-123456' });
      for (let day = 0; day < 6; day++) {
        const chats = 4 + ((day * 3) % 5);
        for (let k = 0; k < chats; k++) {
          const start = first + day * DAY + 9 * 3600 + k * 1800;
          mock.timers.setTime(start * 1000);
          const user = (await call('POST', '/v1/users', { name: `Visitor ${day}-${k}` })).user.id as string;
          const room = k % 3 === 2 ? 2 : 1;
          const chat = (await call('POST', '/v1/chats', { creator: user, room })).chat.id as string;
          seeded++;
          if (room === 2) support++;
          if (k % 4 === 3) {
            mock.timers.setTime((start + 120) * 1000);
            await call('DELETE', `/v1/chats/${chat}?userId=${user}`); // abandoned
            continue;
          }
          mock.timers.setTime((start + 20 + day * 15 + k * 7) * 1000);
          await call('POST', `/v1/chats/${chat}/join`, { userId: ana });
          mock.timers.setTime((start + 60 + day * 20 + k * 9) * 1000);
          await call('POST', `/v1/chats/${chat}/messages`, {
            sender: ana,
            message: 'Hello, how can I help?',
          });
          mock.timers.setTime((start + 600) * 1000);
          await call('DELETE', `/v1/chats/${chat}?userId=${ana}`);
          await commitChange(server.sb.ctx, app.id, async (_tx, emit) => {
            const rating = 2 + ((day + k) % 4);
            await emit({
              trigger: 'surveys:response',
              chatId: chat,
              data: { surveyId: 'csat', chatId: chat, userId: user, rating, created: start + 700 },
            });
          });
        }
      }
    } finally {
      mock.timers.reset();
    }
    assert.ok(Date.now() / 1000 >= now);
  });

  after(async () => {
    await browser?.close();
    await server?.close();
  });

  test('charts with text alternatives, totals, agents, a room filter and the CSV download', async () => {
    const context = await browser.context({ viewport: { width: 1280, height: 1400 } });
    const page = await context.newPage();
    await page.goto(`${server.url}/admin/?appId=${app.id}`);
    await page.getByRole('textbox', { name: 'App secret' }).fill(app.secret);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('tab', { name: 'Reports' }).click();
    const volume = page.getByRole('img', { name: /^Chats per day/ });
    await volume.waitFor();
    const name = await volume.getAttribute('aria-label');
    assert.match(name!, new RegExp(`${seeded} in total`));
    for (const chart of [
      /^Wait and first response per day: median wait/,
      /^Missed and abandoned chats per day: \d+ missed and \d+ abandoned/,
      /^Satisfaction per day: CSAT \d+% from \d+ ratings/,
    ]) {
      await page.getByRole('img', { name: chart }).waitFor();
    }
    const totals = page.getByLabel('Totals');
    assert.match((await totals.textContent()) ?? '', new RegExp(`Chats\\s*${seeded}`));
    const agents = page.getByRole('table', { name: 'Agents report' });
    await agents.getByRole('rowheader', { name: 'Ana Torres' }).waitFor();
    await screenshot(page, 'admin-reports', { fullPage: true });

    await page.getByRole('combobox', { name: 'Room' }).selectOption({ label: 'Support' });
    await page.getByRole('img', { name: new RegExp(`^Chats per day.*: ${support} in total`) }).waitFor();

    const [download] = await Promise.all([
      page.waitForEvent('download'),
      page.getByRole('button', { name: 'Download CSV' }).click(),
    ]);
    const csv = readFileSync((await download.path())!, 'utf8')
      .trim()
      .split('\r\n');
    assert.equal(
      csv[0],
      'id,room,created,closed,creator,agents,tags,wait,firstResponse,duration,messages,rating,ticket',
    );
    assert.equal(csv.length - 1, seeded);
    await context.close();
  });

  test('a supervisor reads the reports of its rooms in the console, without the export', async () => {
    const contact = `sue-${kind}@example.com`;
    await call('POST', '/v1/agents', {
      name: 'Sue Park',
      contact,
      password: 'pw-123456',
      rooms: [2],
      role: 'supervisor',
    });
    const context = await browser.context({ viewport: { width: 1280, height: 1200 } });
    const page = await context.newPage();
    await page.goto(`${server.url}/console/?appId=${app.id}`);
    await page.getByRole('textbox', { name: 'Email' }).fill(contact);
    await page.getByRole('textbox', { name: 'Password' }).fill('pw-123456');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('link', { name: 'Reports' }).click();
    // Room 2's chats only, whatever the filter: the server forces the supervisor's rooms.
    await page.getByRole('img', { name: new RegExp(`^Chats per day.*: ${support} in total`) }).waitFor();
    assert.deepEqual(await page.getByRole('combobox', { name: 'Room' }).locator('option').allTextContents(), [
      'All my rooms',
      'Support',
    ]);
    assert.equal(await page.getByRole('button', { name: 'Download CSV' }).count(), 0);
    await screenshot(page, 'console-reports');
    await context.close();
  });
});
