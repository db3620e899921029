import { createServer } from 'node:http';
import { verifyWebhook } from '@switchboard/sdk/webhooks';

// The webhook's secret (printed by `POST /webhooks`, or by `switchboard listen` in development).
const secret = process.env.SWITCHBOARD_WEBHOOK_SECRET ?? '';

createServer(async (request, response) => {
  const chunks: Buffer[] = [];
  for await (const chunk of request) chunks.push(chunk as Buffer);
  const handshake = request.headers['x-hook-secret'];
  if (typeof handshake === 'string') {
    response.writeHead(200, { 'x-hook-secret': handshake }).end(); // registration: echo it back
    return;
  }
  try {
    const event = await verifyWebhook({ secret, body: Buffer.concat(chunks), headers: request.headers });
    console.log(event.trigger, JSON.stringify(event.data));
    response.writeHead(200, { 'content-type': 'application/json' }).end('{}');
  } catch {
    response.writeHead(400).end(); // not from Switchboard, or tampered with
  }
}).listen(Number(process.env.PORT ?? 3000), '127.0.0.1');
