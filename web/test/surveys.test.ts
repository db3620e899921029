import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import { after, before, test } from 'node:test';
import { launchBrowser, screenshot, type TestBrowser } from './helpers/browser.ts';
import { createUser, describeEachStore, startWebServer, type WebServer, waitFor } from './helpers/server.ts';
import {
  type Agent,
  demoApp,
  expectOk,
  onlineAgent,
  pendingInvitation,
  startChat,
  storedChatId,
  widget,
} from './helpers/widget.ts';

const CSAT = {
  id: 'csat',
  name: 'How did we do?',
  questions: [
    { id: 'score', type: 'rating', text: 'How satisfied are you?', required: true },
    { id: 'solved', type: 'choice', text: 'Was your problem solved?', options: ['Yes', 'No'] },
    { id: 'comment', type: 'text', text: 'Anything else?' },
  ],
};

describeEachStore('post-chat surveys in the browser', (kind) => {
  let server: WebServer;
  let browser: TestBrowser;
  let ada: Agent | undefined;
  let parent: Server | undefined;
  before(async () => {
    server = await startWebServer(kind);
    browser = await launchBrowser();
    const app = demoApp(server);
    await expectOk(server, 'PUT', '/v1/settings', app.asApp, {
      surveys: [CSAT],
      survey: { onClose: 'csat' },
    });
  });
  after(async () => {
    ada?.socket.close();
    parent?.close();
    await browser?.close();
    await server?.close();
  });

  test('the widget asks the Survey after the close, once, and thanks', async () => {
    const app = demoApp(server);
    ada = await onlineAgent(server, app, { name: 'Ada Agent' });
    const context = await browser.context();
    const page = await context.newPage();
    await page.goto(`${server.url}/demo/`);
    const w = widget(page);
    await startChat(page);
    const chatId = await storedChatId(page, app.id);
    await pendingInvitation(server, app, ada, chatId);
    await expectOk(server, 'POST', '/v1/invitations/accept', app.as(ada.token), { chatId });
    await expectOk(server, 'DELETE', `/v1/chats/${chatId}`, app.as(ada.token));
    const form = w.dialog.getByRole('form', { name: 'Survey' });
    await form.waitFor();
    const rating = form.getByRole('radiogroup', { name: 'Rating' });
    assert.equal(await rating.getByRole('radio').count(), 5);
    await rating.getByRole('radio', { name: '4' }).check();
    await form
      .getByRole('radiogroup', { name: 'Was your problem solved?' })
      .getByRole('radio', { name: 'Yes' })
      .check();
    await form.getByRole('textbox', { name: 'Anything else?' }).fill('Ada was great');
    await screenshot(w.dialog, 'widget-survey');
    await form.getByRole('button', { name: 'Send survey' }).click();
    await w.dialog.getByText('Thank you for your feedback!').waitFor();
    assert.equal(await w.dialog.getByRole('form', { name: 'Survey' }).count(), 0);
    await screenshot(w.dialog, 'widget-survey-thanks');
    const { responses } = await expectOk(server, 'GET', '/v1/surveys/csat/responses', app.asApp);
    const mine = responses.find((r: { chatId: string }) => r.chatId === chatId);
    assert.deepEqual(mine.answers, [
      { questionId: 'score', value: 4 },
      { questionId: 'solved', value: 'Yes' },
      { questionId: 'comment', value: 'Ada was great' },
    ]);
    assert.equal((await expectOk(server, 'GET', `/v1/chats/${chatId}`, app.asApp)).chat.rating, 4);
    await context.close();
  });

  test('the hosted page answers inside an iframe of another origin and tells its parent', async () => {
    const app = demoApp(server);
    const user = await createUser(server, app);
    const chat = (await expectOk(server, 'POST', '/v1/chats', app.as(user.token), {})).chat;
    await expectOk(server, 'DELETE', `/v1/chats/${chat.id}`, app.asApp);
    const { survey } = await expectOk(
      server,
      'GET',
      `/v1/surveys/csat?sourceType=chat&sourceId=${chat.id}`,
      app.as(user.token),
    );
    // The page on the address the browser reaches the server at (the test's requests are in-process).
    const url = `${server.url}${new URL(survey.url).pathname}${new URL(survey.url).search}`;
    // Another origin: "localhost" while the server is 127.0.0.1, served by a plain page server.
    parent = createServer((_request, response) => {
      response.setHeader('content-type', 'text/html');
      response.end(`<!doctype html><title>Shop</title><h1>Shop</h1>
<script>window.received=[];addEventListener('message',(e)=>window.received.push({origin:e.origin,data:e.data}));</script>
<iframe title="Survey" src="${url}" style="width:600px;height:700px;border:1px solid #ccc"></iframe>`);
    });
    await new Promise<void>((resolve) => parent!.listen(0, '127.0.0.1', resolve));
    const port = (parent.address() as { port: number }).port;
    const context = await browser.context();
    const page = await context.newPage();
    await page.goto(`http://localhost:${port}/`);
    const frame = page.frameLocator('iframe[title="Survey"]');
    const form = frame.getByRole('form', { name: 'Survey' });
    await form.waitFor();
    await form.getByRole('radiogroup', { name: 'Rating' }).getByRole('radio', { name: '5' }).check();
    await screenshot(page, 'survey-page-framed');
    await form.getByRole('button', { name: 'Send survey' }).click();
    await frame.getByText('Thank you for your feedback.').waitFor();
    const received = await waitFor(
      async () => {
        const list = await page.evaluate(() => (window as unknown as { received: unknown[] }).received);
        return list.length > 0 ? list : undefined;
      },
      5000,
      'the answered notice',
    );
    assert.deepEqual(received, [
      { origin: server.url, data: { message: 'inbenta.survey.successful_answer' } },
    ]);
    await screenshot(page, 'survey-page-framed-thanks');
    // Once only: the link now says it was answered.
    const again = await page.request.get(url);
    assert.match(await again.text(), /answered already/);
    await context.close();
  });

  test('the admin Surveys tab defines a survey, picks it for the close, and lists responses', async () => {
    const app = demoApp(server);
    const context = await browser.context();
    const page = await context.newPage();
    await page.goto(`${server.url}/admin/?appId=${app.id}`);
    await page.getByRole('textbox', { name: 'App secret' }).fill(app.secret);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('tab', { name: 'Surveys' }).click();
    const panel = page.getByRole('form', { name: 'Surveys' });
    await panel.getByRole('button', { name: 'Add survey' }).click();
    const group = panel.getByRole('group', { name: 'Customer satisfaction' });
    await group.getByRole('textbox', { name: 'Survey id' }).fill('nps');
    await group.getByRole('textbox', { name: 'Survey name' }).fill('Quick rating');
    await panel.getByRole('combobox', { name: 'Survey sent when a chat closes' }).selectOption('nps');
    await panel.getByRole('button', { name: 'Save surveys' }).click();
    await panel.getByRole('status').filter({ hasText: 'Surveys saved.' }).waitFor();
    const { settings } = await expectOk(server, 'GET', '/v1/settings', app.asApp);
    assert.deepEqual(
      settings.surveys.map((s: { id: string }) => s.id),
      ['csat', 'nps'],
    );
    assert.equal(settings.survey.onClose, 'nps');
    const nps = settings.surveys[1];
    assert.deepEqual(nps.questions, [
      { id: 'q1', type: 'rating', text: 'How satisfied are you with this chat?', required: true },
    ]);
    // The responses of the first survey (answered by the tests above).
    const responses = page.getByRole('region', { name: 'Responses' });
    await responses.getByRole('table').waitFor();
    assert.ok((await responses.getByRole('row').count()) >= 3);
    await screenshot(page, 'admin-surveys', { fullPage: true });
    await context.close();
  });
});
