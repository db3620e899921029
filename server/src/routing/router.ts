import type { Ctx } from '../events/context.ts';
import type { TimerHandler } from '../timers/timers.ts';
import type { AssignAdvisor } from './advisor.ts';
import { inactivityHandler, invitationExpiryHandler } from './expiry.ts';
import { jumpHandler } from './jump.ts';
import { queuePumpHandler } from './queue-pump.ts';

/**
 * The routing engine: the timer handlers that move chats towards agents. Every step re-reads the
 * state it acts on and commits only if nothing moved meanwhile, so a step run twice (at-least-once
 * timers, several nodes) has the effect of running once. The composition root registers the
 * handlers with the timer worker.
 */
export interface Router {
  /** Who is asked which agent to invite; replaceable (server.ts adds the stream's asker). */
  advisor: AssignAdvisor;
  /** The handler of each routing timer kind. */
  readonly timerHandlers: Readonly<Record<'jump' | 'invitation' | 'queue' | 'inactivity', TimerHandler>>;
}

export function createRouter(ctx: Ctx, advisor: AssignAdvisor): Router {
  const router: Router = {
    advisor,
    timerHandlers: {
      jump: jumpHandler(ctx, () => router.advisor),
      invitation: invitationExpiryHandler(ctx),
      queue: queuePumpHandler(ctx),
      inactivity: inactivityHandler(ctx),
    },
  };
  return router;
}
