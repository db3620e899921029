import { Type } from '@sinclair/typebox';
import { saveSettings } from '../../apps/apps.ts';
import { mergeSettings, presentSettings } from '../../apps/settings.ts';
import { auditBy } from '../../policies/audit.ts';
import { scheduleRetention } from '../../privacy/retention.ts';
import { operation } from '../operation.ts';
import { SettingsResponse } from './schemas.ts';

export default operation({
  method: 'PUT',
  path: '/settings',
  auth: ['secret'],
  caller: 'actor',
  tags: ['apps'],
  summary: 'Change settings: a partial object, deep-merged and validated',
  body: Type.Record(Type.String(), Type.Unknown()),
  status: 200,
  response: SettingsResponse,
  run: async (ctx, actor, { body }, _services, origin) => {
    const settings = mergeSettings(actor.app.settings, body);
    await saveSettings(ctx.store, actor.app, settings, auditBy(actor, origin.ip));
    // Retention set (or changed): the app's job runs now, then hourly (docs/privacy.md).
    const { chatsDays, mediaDays } = settings.retention;
    if ('retention' in body && (chatsDays !== null || mediaDays !== null))
      await scheduleRetention(ctx, actor.app.id);
    return { settings: presentSettings(settings) };
  },
});
