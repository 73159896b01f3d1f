/**
 * A CPU profile of one worker thread, in the `.cpuprofile` format Chrome DevTools loads.
 *
 * The main thread asks the worker's own V8 inspector, through the inspector's NodeWorker domain
 * on an in-process Session: the worker runs no code of ours for it. That matters because the
 * worker worth profiling is the busy one, and a busy worker does not turn its event loop (it runs
 * task after task, or one task in a synchronous loop), so a message to it would wait until it is
 * idle again. Inspector commands reach it as V8 interrupts instead, between two instructions of
 * whatever it runs, and even while it sleeps in Atomics.wait.
 */
import { Session } from 'node:inspector';

/** How long the worker's inspector has to answer one command, beyond the profile's own length. */
const COMMAND_MS = 5000;

export class ProfileError extends Error {
  override name = 'ProfileError';
}

interface WorkerAttached {
  sessionId: string;
  workerInfo: { workerId: string; title: string };
}

/** Profiles the worker thread `threadId` for `seconds` and returns the profile (Profiler.Profile). */
export async function profileThread(threadId: number, seconds: number, intervalMicros = 1000): Promise<object> {
  const session = new Session();
  session.connect();
  const post = (method: string, params: object = {}): Promise<unknown> =>
    new Promise((resolve, reject) => session.post(method, params, (error, result) => (error ? reject(error) : resolve(result))));
  let exited: ((error: Error) => void) | undefined;
  const gone = new Promise<never>((_, reject) => (exited = reject));
  gone.catch(() => undefined);
  try {
    const attached = new Promise<WorkerAttached>((resolve) => {
      session.on('NodeWorker.attachedToWorker', ({ params }: { params: WorkerAttached }) => {
        // The inspector's workerId is its own counter; the title carries the threadId: "[worker 3] routine-1".
        if (params.workerInfo.title.startsWith(`[worker ${threadId}] `)) resolve(params);
      });
    });
    await post('NodeWorker.enable', { waitForDebuggerOnStart: false });
    const { sessionId } = await within(attached, COMMAND_MS, `worker thread ${threadId} is not running`);
    session.on('NodeWorker.detachedFromWorker', ({ params }: { params: { sessionId: string } }) => {
      if (params.sessionId === sessionId) exited?.(new ProfileError(`worker thread ${threadId} exited while it was being profiled`));
    });
    const replies = new Map<number, (reply: { result?: unknown; error?: { message: string } }) => void>();
    session.on('NodeWorker.receivedMessageFromWorker', ({ params }: { params: { sessionId: string; message: string } }) => {
      if (params.sessionId !== sessionId) return;
      const reply = JSON.parse(params.message) as { id?: number; result?: unknown; error?: { message: string } };
      if (reply.id !== undefined) replies.get(reply.id)?.(reply);
    });
    let nextId = 0;
    const send = async (method: string, params: object = {}, waitMs = COMMAND_MS): Promise<unknown> => {
      const id = ++nextId;
      const reply = new Promise<{ result?: unknown; error?: { message: string } }>((resolve) => replies.set(id, resolve));
      await post('NodeWorker.sendMessageToWorker', { sessionId, message: JSON.stringify({ id, method, params }) });
      const { result, error } = await Promise.race([within(reply, waitMs, `worker thread ${threadId} did not answer ${method}`), gone]);
      replies.delete(id);
      if (error) throw new ProfileError(`${method} failed in worker thread ${threadId}: ${error.message}`);
      return result;
    };
    await send('Profiler.enable');
    await send('Profiler.setSamplingInterval', { interval: intervalMicros });
    await send('Profiler.start');
    await Promise.race([new Promise((resolve) => setTimeout(resolve, seconds * 1000)), gone]);
    const { profile } = (await send('Profiler.stop')) as { profile: object };
    await send('Profiler.disable').catch(() => undefined);
    await post('NodeWorker.detach', { sessionId }).catch(() => undefined);
    return profile;
  } finally {
    await post('NodeWorker.disable').catch(() => undefined);
    session.disconnect();
  }
}

async function within<T>(promise: Promise<T>, ms: number, message: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new ProfileError(message)), ms)));
  try {
    return await Promise.race([promise, late]);
  } finally {
    clearTimeout(timer);
  }
}
