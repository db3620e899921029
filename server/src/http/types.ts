import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type {
  FastifyBaseLogger,
  FastifyInstance,
  RawReplyDefaultExpression,
  RawRequestDefaultExpression,
  RawServerDefault,
} from 'fastify';
import type { Ctx } from '../events/context.ts';

/** The Fastify instance routes are declared on: TypeBox schemas give handlers typed input. */
export type Http = FastifyInstance<
  RawServerDefault,
  RawRequestDefaultExpression,
  RawReplyDefaultExpression,
  FastifyBaseLogger,
  TypeBoxTypeProvider
>;

/** What route plugins get: the command context and the instance facts they present. */
export interface RouteDeps {
  ctx: Ctx;
  version: string;
}
