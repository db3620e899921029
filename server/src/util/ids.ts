import { monotonicFactory } from 'ulid';

const ulid = monotonicFactory();

/** A fresh time-sortable, URL-safe id (ULID). */
export function newId(): string {
  return ulid();
}
