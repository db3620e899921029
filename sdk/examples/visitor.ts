import { createClient } from '@switchboard/sdk';

const baseUrl = process.env.SWITCHBOARD_URL ?? 'http://127.0.0.1:8000';
const appId = process.env.SWITCHBOARD_APP_ID ?? '';
const domainKey = process.env.SWITCHBOARD_DOMAIN_KEY ?? ''; // public: fine in a web page, unlike the secret

// A visitor signs up with the domain key, then acts with their own session token.
const { session } = await createClient({ baseUrl, appId, domainKey }).users.create({ name: 'Ann' });
const live = createClient({ baseUrl, appId, token: session.token }).realtime();

live.on('messages:new', ({ message }) => console.log(`${message.sender}: ${message.message}`));
live.on('chats:join', ({ userId }) => console.log(`${userId} joined`));

const { chat } = await live.request('chats:create', {});
await live.request('messages:new', { chatId: chat.id, message: 'Hello, I need help with my order' });
// Keep `live.cursor` if the page may reload: `realtime({ cursor })` resumes without missing anything.
