import agentsAvailable from './agents/available.ts';
import agentsCreate from './agents/create.ts';
import agentsGet from './agents/get.ts';
import agentsList from './agents/list.ts';
import agentsLogin from './agents/login.ts';
import agentsLogout from './agents/logout.ts';
import agentsOnline from './agents/online.ts';
import agentsRemove from './agents/remove.ts';
import agentsSso from './agents/sso.ts';
import agentsSsoCallback from './agents/sso-callback.ts';
import agentsSsoSession from './agents/sso-session.ts';
import agentsSsoStart from './agents/sso-start.ts';
import agentsUpdate from './agents/update.ts';
import appsCreate from './apps/create.ts';
import appsGet from './apps/get.ts';
import appsList from './apps/list.ts';
import appsRotate from './apps/rotate.ts';
import appsSettingsGet from './apps/settings-get.ts';
import appsSettingsUpdate from './apps/settings-update.ts';
import appsUpdate from './apps/update.ts';
import appsValidate from './apps/validate.ts';
import auditList from './audit/list.ts';
import cannedCreate from './canned/create.ts';
import cannedList from './canned/list.ts';
import cannedRemove from './canned/remove.ts';
import cannedUpdate from './canned/update.ts';
import chatsClose from './chats/close.ts';
import chatsCreate from './chats/create.ts';
import chatsExportHistory from './chats/export-history.ts';
import chatsGet from './chats/get.ts';
import chatsImportHistory from './chats/import-history.ts';
import chatsIntervene from './chats/intervene.ts';
import chatsJoin from './chats/join.ts';
import chatsLeave from './chats/leave.ts';
import chatsList from './chats/list.ts';
import chatsMessages from './chats/messages.ts';
import chatsSendMessage from './chats/send-message.ts';
import chatsUnwatch from './chats/unwatch.ts';
import chatsUpdate from './chats/update.ts';
import chatsUsers from './chats/users.ts';
import chatsWatch from './chats/watch.ts';
import hoursRoomStatus from './hours/room-status.ts';
import hoursTimetableGet from './hours/timetable-get.ts';
import hoursTimetableUpdate from './hours/timetable-update.ts';
import mediaDownload from './media/download.ts';
import mediaList from './media/list.ts';
import mediaUpload from './media/upload.ts';
import messagesRead from './messages/read.ts';
import miscHealth from './misc/health.ts';
import miscId from './misc/id.ts';
import miscPing from './misc/ping.ts';
import type { Operation } from './operation.ts';
import reportsAgents from './reports/agents.ts';
import reportsChats from './reports/chats.ts';
import reportsExport from './reports/export.ts';
import routingAccept from './routing/accept.ts';
import routingAssign from './routing/assign.ts';
import routingInvitations from './routing/invitations.ts';
import routingInvite from './routing/invite.ts';
import routingQueuePosition from './routing/queue-position.ts';
import routingQueues from './routing/queues.ts';
import routingReject from './routing/reject.ts';
import routingToInbox from './routing/to-inbox.ts';
import surveysGet from './surveys/get.ts';
import surveysResponses from './surveys/responses.ts';
import surveysSubmit from './surveys/submit.ts';
import ticketsGet from './tickets/get.ts';
import ticketsList from './tickets/list.ts';
import usersActivity from './users/activity.ts';
import usersCreate from './users/create.ts';
import usersErase from './users/erase.ts';
import usersExport from './users/export.ts';
import usersGet from './users/get.ts';
import usersIssueToken from './users/issue-token.ts';
import usersList from './users/list.ts';
import usersUpdate from './users/update.ts';
import webhooksCreate from './webhooks/create.ts';
import webhooksDeliveries from './webhooks/deliveries.ts';
import webhooksDelivery from './webhooks/delivery.ts';
import webhooksGet from './webhooks/get.ts';
import webhooksList from './webhooks/list.ts';
import webhooksRecover from './webhooks/recover.ts';
import webhooksRemove from './webhooks/remove.ts';
import webhooksRetry from './webhooks/retry.ts';
import webhooksRotate from './webhooks/rotate.ts';
import webhooksUpdate from './webhooks/update.ts';

/**
 * Every operation, in the order the OpenAPI document lists them. Adding one is its file plus one line
 * here; the registry mounts it on Fastify and, with a `realtime` twin, on the WebSocket gateway.
 */
export const OPERATIONS: readonly Operation[] = [
  appsCreate,
  appsList,
  appsGet,
  appsUpdate,
  appsRotate,
  appsValidate,
  appsSettingsGet,
  appsSettingsUpdate,
  hoursTimetableGet,
  hoursTimetableUpdate,
  hoursRoomStatus,
  miscId,
  miscHealth,
  usersCreate,
  usersList,
  usersGet,
  usersUpdate,
  usersErase,
  usersExport,
  usersIssueToken,
  usersActivity,
  agentsCreate,
  agentsList,
  agentsAvailable,
  agentsOnline,
  agentsLogin,
  agentsLogout,
  agentsSso,
  agentsSsoStart,
  agentsSsoCallback,
  agentsSsoSession,
  agentsGet,
  agentsUpdate,
  agentsRemove,
  chatsCreate,
  chatsList,
  chatsGet,
  chatsUpdate,
  chatsClose,
  chatsMessages,
  chatsSendMessage,
  chatsExportHistory,
  chatsImportHistory,
  chatsUsers,
  chatsJoin,
  chatsLeave,
  chatsWatch,
  chatsUnwatch,
  chatsIntervene,
  messagesRead,
  mediaUpload,
  mediaDownload,
  mediaList,
  ticketsList,
  ticketsGet,
  routingAssign,
  routingToInbox,
  routingInvite,
  routingInvitations,
  routingAccept,
  routingReject,
  routingQueues,
  routingQueuePosition,
  webhooksCreate,
  webhooksList,
  webhooksGet,
  webhooksUpdate,
  webhooksRemove,
  webhooksRotate,
  webhooksDeliveries,
  webhooksDelivery,
  webhooksRetry,
  webhooksRecover,
  cannedList,
  cannedCreate,
  cannedUpdate,
  cannedRemove,
  reportsChats,
  reportsAgents,
  reportsExport,
  auditList,
  surveysGet,
  surveysSubmit,
  surveysResponses,
  miscPing,
];
