/** The ways a cluster task can fail that a local one cannot. */
import { RoutineError } from '@routine/core';

/** Redis could not be reached when a cluster runtime or worker started. */
export class ClusterConnectError extends RoutineError {
  override readonly code = 'ERR_ROUTINE_CLUSTER_CONNECT';
}

/**
 * Redis stayed unreachable longer than unavailableMs while the task was pending. Whether it ran
 * is unknown: its job may still be in Redis and run once Redis is back.
 */
export class ClusterUnavailableError extends RoutineError {
  override readonly code = 'ERR_ROUTINE_CLUSTER_UNAVAILABLE';
}

/** The task's job is gone from Redis (removed, or Redis restarted without persistence) before it finished. */
export class JobLostError extends RoutineError {
  override readonly code = 'ERR_ROUTINE_JOB_LOST';
}
