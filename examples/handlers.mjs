// Error and panic handlers replace routine's default logging of failures nobody handled.
import { go, setErrorHandler, setPanicHandler } from '@routine/runtime';

const reports = [];
setErrorHandler((error) => reports.push(`error handler: ${error.message}`));
setPanicHandler((value) => reports.push(`panic handler: worker exited with code ${value}`));

go(() => {
  throw new Error('nobody awaits me'); // unobserved: goes to the error handler, once nobody can await it
});
const awaited = await go(() => {
  throw new Error('awaited');
}).result(); // observed: the caller handles it, no handler call
const crashed = await go(() => globalThis.process.exit(3)).result(); // a panic: always reported

console.log(awaited.error.message, '|', crashed.error.name);
// The unobserved failure is reported when its handle is collected or, at the latest, as the
// process is about to exit.
process.on('exit', () => console.log(reports.sort().join('\n')));

// Output:
// awaited | WorkerCrashError
// error handler: nobody awaits me
// panic handler: worker exited with code 3
