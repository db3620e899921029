import type { Client, StreamEvent, StreamOptions } from '@switchboard/sdk';

/**
 * The loop `listen` and `tail` share: checks the credentials over REST first (so a wrong secret or an
 * unreachable server is one clear error, not a reconnect loop), then rides the stream until Ctrl-C.
 */
export async function runStream(
  client: Client,
  options: {
    banner: string[];
    stream: StreamOptions;
    stop: AbortController;
    onEvent: (event: StreamEvent) => Promise<void> | void;
  },
): Promise<void> {
  await client.settings.get();
  const stream = client.stream(options.stream);
  // Status goes to stderr, so stdout holds only events (`--json` output stays one object per line).
  const say = (text: string) => process.stderr.write(`${text}\n`);
  let first = true;
  stream.on('connected', () => {
    if (first) for (const text of options.banner) say(text);
    else say('reconnected');
    first = false;
    if (options.banner.length > 0) say('Ready. Ctrl-C to stop.');
  });
  stream.on('disconnected', ({ code, willReconnect }) => {
    if (willReconnect) say(`connection lost (${code}), reconnecting…`);
  });
  stream.on('error', ({ code, message }) => say(`the server said: ${message} (${code})`));
  stream.on('resync-required', () =>
    say('the server could not resume from the last cursor: some events may be missing'),
  );
  const stop = () => {
    options.stop.abort();
    stream.close();
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  for await (const event of stream) await options.onEvent(event);
}
