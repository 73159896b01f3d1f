/** routine's own Redis keys, beside BullMQ's (which live under `bull:<queue>:`). */
export const keys = {
  /** The counter node numbers are drawn from, and each live node's claim (expires unless renewed). */
  nodeSeq: 'routine:node-seq',
  node: (node: number): string => `routine:node:${node}`,
  /** Pub/sub channel on which callers broadcast the job ids to cancel. */
  cancel: (queue: string): string => `routine:${queue}:cancel`,
  /** Hash: node number -> that worker process's latest report (stats, host, pid). */
  workers: (queue: string): string => `routine:${queue}:workers`,
  /** BullMQ's event stream for the queue (its default prefix). */
  events: (queue: string): string => `bull:${queue}:events`,
};
