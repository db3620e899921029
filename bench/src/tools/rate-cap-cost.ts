/**
 * The CPU cost of the per-app message cap's check on the hot path (docs/limits.md, "Fair share"):
 * `rates.take(appId, 'messages')` over 50 apps, cap never reached, in CPU microseconds per check.
 * Run: node bench/src/tools/rate-cap-cost.ts (target: well under 5 µs).
 */
import { createRates } from '../../../server/src/limits/rates.ts';

const rates = createRates({
  messagesPerSecond: 1_000_000_000,
  usersPerMinute: 0,
  uploadsPerMinute: 0,
  transferBytesPerSecond: 0,
});
const apps = Array.from({ length: 50 }, (_, i) => `app${i}`);
const n = 500_000;
for (let round = 0; round < 3; round++) {
  const start = process.cpuUsage();
  for (let i = 0; i < n; i++) await rates.take(apps[i % apps.length]!, 'messages');
  const used = process.cpuUsage(start);
  console.log(`round ${round + 1}: ${((used.user + used.system) / n).toFixed(3)} µs CPU per check`);
}
