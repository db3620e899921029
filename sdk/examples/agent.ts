import { createClient } from '@switchboard/sdk';

const baseUrl = process.env.SWITCHBOARD_URL ?? 'http://127.0.0.1:8000';
const appId = process.env.SWITCHBOARD_APP_ID ?? '';
const contact = process.env.AGENT_CONTACT ?? 'ada@example.com';
const password = process.env.AGENT_PASSWORD ?? '';

// An agent logs in (which sets them online) and takes every chat they are invited to.
const { session } = await createClient({ baseUrl, appId }).agents.login({ contact, password });
const live = createClient({ baseUrl, appId, token: session.token }).realtime();

live.on('invitations:new', async ({ chatId }) => {
  await live.request('invitations:accept', { chatId });
  await live.request('messages:new', { chatId, message: 'Hi, I am Ada. How can I help?' });
});
live.on('messages:new', ({ message }) =>
  console.log(`${message.chat} ${message.sender}: ${message.message}`),
);
live.on('disconnected', () => console.log('offline: reconnecting…')); // resumes by itself, nothing lost
