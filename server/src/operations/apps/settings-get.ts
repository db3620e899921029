import { presentSettings, publicSettings } from '../../apps/settings.ts';
import { operation } from '../operation.ts';
import { appOfCredentials, SettingsResponse } from './schemas.ts';

export default operation({
  method: 'GET',
  path: '/settings',
  auth: ['secret', 'public', 'token'],
  caller: 'credentials',
  tags: ['apps'],
  summary: 'The app settings (browser credentials: rooms, langs and queue only)',
  status: 200,
  response: SettingsResponse,
  run: async (_ctx, credentials) => {
    const app = appOfCredentials(credentials);
    return {
      settings: credentials.kind === 'public' ? publicSettings(app.settings) : presentSettings(app.settings),
    };
  },
});
