import { type Static, Type } from '@sinclair/typebox';
import type { MediaRow } from '../store/schema.ts';
import { MediaRef } from './message.ts';

/** A stored file with the chat and sender it came with. */
export const Media = Type.Object({
  ...MediaRef.properties,
  chatId: Type.String(),
  sender: Type.String(),
  created: Type.Integer(),
  /** Present (true) once the bytes were erased (docs/privacy.md): downloading answers 410. */
  erased: Type.Optional(Type.Boolean()),
});
export type Media = Static<typeof Media>;

/** The reference a media message carries: where to download it, and what it is. */
export function mediaRef(row: Pick<MediaRow, 'id' | 'type' | 'name' | 'size'>): MediaRef {
  return { id: row.id, url: `/media/${row.id}`, type: row.type, name: row.name, size: row.size };
}

export function presentMedia(row: Omit<MediaRow, 'bytes'>): Media {
  const view: Media = { ...mediaRef(row), chatId: row.chatId, sender: row.sender, created: row.created };
  if (row.erased !== null) view.erased = true;
  return view;
}
