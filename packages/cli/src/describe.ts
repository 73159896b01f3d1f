/** How a failure reads on stderr and in an error record: its kind and message, on one line. */
export function describe(error: Error): string {
  return `${error.name}: ${error.message}`.replace(/\s*\n\s*/g, ' ');
}
