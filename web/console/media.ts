import type { Client, Message } from '../src/lib/sdk.ts';
import type { SavedSession } from './state.ts';

/** `POST /media` (multipart): the file becomes a media message of the chat, sent by `senderId`. */
export async function uploadMedia(
  client: Client,
  chatId: string,
  senderId: string,
  file: File,
): Promise<Message> {
  const { message } = await client.media.upload({ chatId, senderId, file, name: file.name });
  return message;
}

/** A media file's URL for <img> and download links: `/v1/media/{id}` takes the credentials in the query. */
export function mediaUrl(session: SavedSession, path: string): string {
  const url = new URL(`${session.baseUrl}/v1${path}`);
  url.searchParams.set('appId', session.appId);
  url.searchParams.set('token', session.token);
  return url.toString();
}
