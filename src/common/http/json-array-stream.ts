import { Readable } from 'node:stream';

/**
 * A JSON array written as it is produced: `first` (already read, so that a
 * failure before anything is sent is an ordinary error answer), then each
 * part of `rest`, pulled only when the reader has taken the previous one
 * (Readable.from waits while the socket is full), so at most about one part
 * is in memory at a time. Each part is serialised on its own, between two
 * reads, so the event loop is never held for the whole array.
 *
 * Destroying the stream (the client went away) returns `rest`, which stops
 * its reads. If `rest` fails, the stream is destroyed with the error: the
 * HTTP response is cut off without its last chunk, so the client sees a
 * broken transfer, never a shorter array that looks complete. `onError` is
 * told first (for the log).
 */
export function jsonArrayStream<T>(first: readonly T[], rest: AsyncIterable<readonly T[]>, onError: (error: unknown) => void = () => undefined): Readable {
  async function* chunks(): AsyncGenerator<string, void, undefined> {
    let empty = first.length === 0;
    yield `[${elements(first)}`;
    try {
      for await (const part of rest) {
        if (part.length === 0) continue;
        yield empty ? elements(part) : `,${elements(part)}`;
        empty = false;
      }
    } catch (error) {
      onError(error);
      throw error;
    }
    yield ']';
  }
  return Readable.from(chunks(), { objectMode: false });
}

/** The items of an array as JSON, without the brackets: `{...},{...}`. */
function elements<T>(items: readonly T[]): string {
  const json = JSON.stringify(items);
  return json.slice(1, -1);
}
