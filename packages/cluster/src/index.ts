/**
 * @routine/cluster: the same tasks on many processes and machines, on BullMQ and Redis. A caller
 * makes a ClusterRuntime (createClusterRuntime) and uses it as a local runtime; `routine worker`
 * processes (startClusterWorker) run its tasks on their own local runtimes.
 */
export { ClusterRuntime, createClusterRuntime, type ClusterGoOptions } from './cluster-runtime.js';
export { ClusterWorker, startClusterWorker, type ClusterWorkerOptions } from './cluster-worker.js';
export { type ClusterOptions, type Connection } from './options.js';
export { ClusterConnectError, ClusterUnavailableError, JobLostError } from './errors.js';
export { type ClusterStats, type NodeReport } from './stats.js';
