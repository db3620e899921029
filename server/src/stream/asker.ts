import type { Redis } from 'ioredis';
import type { RedisLink } from '../bus/link.ts';
import { encodeCursor } from '../realtime/cursor.ts';
import type { AssignAdvisor, AssignQuestion } from '../routing/advisor.ts';
import { newId } from '../util/ids.ts';
import { nowSeconds } from '../util/time.ts';
import { ASSIGN_DEADLINE_MS, agentOf } from '../webhooks/assign.ts';
import type { SocketError } from '../wire/sockets.ts';
import type { StreamConnection } from './connection.ts';

/**
 * `chats:assign` over the event stream (docs/stream.md, docs/webhooks.md). At a jump, every live stream
 * of the app that asked for `chats:assign` gets the envelope with the question's `id` and may answer
 * `{"reply": id, "data": {"agentId"}}` within 5 s; an answer naming an eligible agent chooses it, the
 * first such answer wins (beside the webhooks: routing/advisor.ts `firstValidAdvice`). With nobody to
 * ask, the jump does not wait at all.
 *
 * Across nodes the jump may run on a node other than the stream's socket. With Redis, each node that
 * holds such streams lists itself per app in a hash (renewed while they live, expiring when the node
 * dies); the jump's node publishes the question to the nodes listed, each asks its own streams and
 * publishes one answer back (an agent or none), and the jump stops waiting at the first valid answer,
 * when every node listed has answered, or at 5 s.
 */
export interface StreamAsker extends AssignAdvisor {
  /** A stream that asked for `chats:assign` is about to go live: list this node for its app. */
  joined(connection: StreamConnection): Promise<void>;
  /** A stream went away: its unanswered questions stop waiting for it. */
  gone(connection: StreamConnection): void;
  /** A `reply` frame; returns what is wrong with it, if anything. */
  answer(connection: StreamConnection, id: string, data: unknown): SocketError | undefined;
  close(): Promise<void>;
}

interface Waiting {
  appId: string;
  eligible: ReadonlySet<string>;
  /** Local streams asked that have not answered yet. */
  streams: Set<StreamConnection>;
  /** Other nodes asked that have not answered yet. */
  nodes: Set<string>;
  settle(agent: string | undefined): void;
}

interface RemoteQuestion {
  from: string;
  id: string;
  appId: string;
  envelope: string;
  eligible: string[];
}

interface RemoteAnswer {
  to: string;
  id: string;
  node: string;
  agentId?: string;
}

const LISTING_MS = 15_000;
const RENEW_MS = 5_000;

export async function createAsker(options: {
  connections: () => ReadonlySet<StreamConnection>;
  redis?: RedisLink | undefined;
  channel: string;
  onError: (error: unknown, what: string) => void;
}): Promise<StreamAsker> {
  const link = options.redis;
  // While Redis is away its failures are one outage, logged by the link (bus/link.ts), not one each.
  const onError = (error: unknown, what: string) => {
    if (!link || link.state() === 'ok') options.onError(error, what);
  };
  const node = newId();
  const waiting = new Map<string, Waiting>();
  const questionsChannel = `${options.channel}:assign:questions`;
  const answersChannel = `${options.channel}:assign:answers`;
  const listing = (appId: string) => `${options.channel}:assign:streams:${appId}`;
  let redis: { commands: Redis; subscriber: Redis } | undefined;
  /** Apps this node has listed itself for, unlisted when it stops. */
  const listed = new Set<string>();

  const asking = (appId: string): StreamConnection[] =>
    [...options.connections()].filter(
      (c) => c.appId === appId && c.phase === 'live' && c.triggers.has('chats:assign'),
    );

  /** Asks this node's streams of the app; resolves at the first valid answer, when all answered, or 5 s. */
  function askLocal(
    appId: string,
    id: string,
    envelope: string,
    eligible: ReadonlySet<string>,
    nodes: Set<string>,
    signal?: AbortSignal,
  ): Promise<string | undefined> {
    const streams = new Set(asking(appId));
    if ((streams.size === 0 && nodes.size === 0) || signal?.aborted) return Promise.resolve(undefined);
    return new Promise((resolve) => {
      const timer = setTimeout(() => entry.settle(undefined), ASSIGN_DEADLINE_MS);
      timer.unref();
      const decided = () => entry.settle(undefined);
      const entry: Waiting = {
        appId,
        eligible,
        streams,
        nodes,
        settle(agent) {
          if (waiting.get(id) !== entry) return;
          waiting.delete(id);
          clearTimeout(timer);
          signal?.removeEventListener('abort', decided);
          // Other nodes still asking their streams can stop: the jump has its answer.
          if (redis && entry.nodes.size > 0)
            redis.commands
              .publish(questionsChannel, JSON.stringify({ from: node, id, done: true }))
              .catch((error: unknown) => onError(error, 'stream: ending a chats:assign question failed'));
          resolve(agent);
        },
      };
      signal?.addEventListener('abort', decided);
      waiting.set(id, entry);
      // The envelope, plus the question's id and the stream's cursor (unchanged: nothing was consumed).
      const head = `${envelope.slice(0, -1)},"id":${JSON.stringify(id)},"cursor":`;
      for (const stream of streams)
        if (!stream.send(`${head}${JSON.stringify(encodeCursor(appId, stream.position))}}`))
          streams.delete(stream);
      done(entry);
    });
  }

  /** Settles a question nobody is left to answer. */
  function done(entry: Waiting): void {
    if (entry.streams.size === 0 && entry.nodes.size === 0) entry.settle(undefined);
  }

  async function listedNodes(appId: string): Promise<Set<string>> {
    if (!redis) return new Set();
    const nodes = await redis.commands.hgetall(listing(appId));
    const now = Date.now();
    return new Set(
      Object.entries(nodes).flatMap(([id, until]) => (id !== node && Number(until) > now ? [id] : [])),
    );
  }

  async function list(appId: string): Promise<void> {
    if (!redis) return;
    listed.add(appId);
    await redis.commands
      .multi()
      .hset(listing(appId), node, String(Date.now() + LISTING_MS))
      .pexpire(listing(appId), LISTING_MS * 2)
      .exec();
  }

  if (link) {
    // Redis already away (the bus waited for it): start at once, degraded.
    const wasUp = link.state() === 'ok';
    // Fails fast while Redis is away (a jump then asks only this node's streams).
    const commands = link.connect({ enableOfflineQueue: false, maxRetriesPerRequest: 1 });
    const subscriber = link.connect({ autoResubscribe: false, maxRetriesPerRequest: null });
    subscriber.on('ready', () => {
      subscriber.subscribe(questionsChannel, answersChannel).catch(() => undefined);
    });
    if (wasUp) await link.ready(2000);
    redis = { commands, subscriber };
    subscriber.on('message', (from: string, text: string) => {
      try {
        if (from === questionsChannel) {
          const question = JSON.parse(text) as RemoteQuestion | { from: string; id: string; done: true };
          if (question.from === node) return;
          if ('done' in question) {
            const entry = waiting.get(question.id);
            if (entry?.nodes.size === 0) entry.settle(undefined);
            return;
          }
          void askLocal(question.appId, question.id, question.envelope, new Set(question.eligible), new Set())
            .then((agentId) => {
              const answer: RemoteAnswer = {
                to: question.from,
                id: question.id,
                node,
                ...(agentId ? { agentId } : {}),
              };
              return commands.publish(answersChannel, JSON.stringify(answer));
            })
            .catch((error: unknown) => onError(error, 'stream: answering a remote chats:assign failed'));
        } else if (from === answersChannel) {
          const answer = JSON.parse(text) as RemoteAnswer;
          const entry = answer.to === node ? waiting.get(answer.id) : undefined;
          if (!entry?.nodes.delete(answer.node)) return;
          if (answer.agentId !== undefined && entry.eligible.has(answer.agentId))
            entry.settle(answer.agentId);
          else done(entry);
        }
      } catch (error) {
        onError(error, 'stream: a chats:assign relay message failed');
      }
    });
  }

  // Keeps this node listed for the apps whose streams answer chats:assign here.
  const renew = setInterval(() => {
    const apps = new Set(
      [...options.connections()].filter((c) => c.triggers.has('chats:assign')).map((c) => c.appId),
    );
    for (const appId of apps)
      list(appId).catch((error: unknown) => onError(error, 'stream: listing the node failed'));
  }, RENEW_MS);
  renew.unref();

  return {
    async choose(question: AssignQuestion): Promise<string | undefined> {
      const appId = question.app.id;
      const id = question.id ?? newId();
      const nodes = await listedNodes(appId).catch((error: unknown) => {
        onError(error, 'stream: reading the stream listing failed');
        return new Set<string>();
      });
      const envelope = JSON.stringify({
        trigger: 'chats:assign',
        appId,
        data: {
          chat: question.chat,
          agents: question.agents,
          attempt: question.attempt,
          maxAttempts: question.maxAttempts,
        },
        created_at: nowSeconds(),
      });
      const eligible = question.agents.map((a) => a.id);
      if (redis && nodes.size > 0) {
        const remote: RemoteQuestion = { from: node, id, appId, envelope, eligible };
        redis.commands.publish(questionsChannel, JSON.stringify(remote)).catch((error: unknown) => {
          onError(error, 'stream: publishing a chats:assign question failed');
          const entry = waiting.get(id);
          if (entry) {
            entry.nodes.clear();
            done(entry);
          }
        });
      }
      return askLocal(appId, id, envelope, new Set(eligible), nodes, question.signal);
    },
    async joined(connection) {
      if (!connection.triggers.has('chats:assign')) return;
      // Without Redis the stream still answers this node's questions; the renewal lists it later.
      await list(connection.appId).catch((error: unknown) =>
        onError(error, 'stream: listing the node failed'),
      );
    },
    gone(connection) {
      for (const entry of waiting.values()) if (entry.streams.delete(connection)) done(entry);
      if (redis && connection.appId && connection.triggers.has('chats:assign')) {
        const still = [...options.connections()].some(
          (c) => c !== connection && c.appId === connection.appId && c.triggers.has('chats:assign'),
        );
        if (!still)
          redis.commands
            .hdel(listing(connection.appId), node)
            .catch((error: unknown) => onError(error, 'stream: unlisting the node failed'));
      }
    },
    answer(connection, id, data) {
      const entry = waiting.get(id);
      if (!entry || entry.appId !== connection.appId || !entry.streams.delete(connection))
        return {
          code: 404,
          message: `No chats:assign ${id.slice(0, 40)} is waiting for this stream's answer (unknown, answered, or past its 5 s)`,
        };
      const agent = agentOf(data);
      if (agent !== undefined && entry.eligible.has(agent)) {
        entry.settle(agent);
        return undefined;
      }
      done(entry);
      if (agent === undefined)
        return data === undefined ||
          (typeof data === 'object' && data !== null && Object.keys(data).length === 0)
          ? undefined
          : { code: 400, message: 'The answer names no agent: the built-in choice decides this jump' };
      return {
        code: 400,
        message: `Agent ${agent.slice(0, 40)} is not one of the eligible agents: the built-in choice decides this jump`,
      };
    },
    async close() {
      clearInterval(renew);
      for (const entry of [...waiting.values()]) entry.settle(undefined);
      if (redis) {
        for (const appId of listed) await redis.commands.hdel(listing(appId), node).catch(() => undefined);
        await Promise.allSettled([link?.quit(redis.subscriber), link?.quit(redis.commands)]);
      }
    },
  };
}
