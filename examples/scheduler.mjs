// Jobs on a timetable, run on the pool; a job never overlaps itself.
import { createScheduler, go } from '@routine/runtime';

await go(() => 'warm'); // the workers are up: the first run does not wait for them to start
const scheduler = createScheduler();
scheduler.every('heartbeat', 20, () => Date.now());
scheduler.once('warm-up', 10, () => 'warm');
scheduler.cron('nightly', '0 3 * * *', () => 'report', { tz: 'Europe/Paris' });
scheduler.start();

await new Promise((resolve) => setTimeout(resolve, 200));
await scheduler.stop();
const heartbeat = scheduler.status('heartbeat');
console.log('heartbeat ran at least 3 times:', heartbeat.runs >= 3, '| failures:', heartbeat.failures);
console.log('warm-up runs:', scheduler.status('warm-up').runs);
console.log('nightly runs so far:', scheduler.status('nightly').runs);

// Output:
// heartbeat ran at least 3 times: true | failures: 0
// warm-up runs: 1
// nightly runs so far: 0
