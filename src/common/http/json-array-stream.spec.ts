import { jsonArrayStream } from './json-array-stream';

async function collect(stream: NodeJS.ReadableStream): Promise<string> {
  let text = '';
  for await (const chunk of stream) text += chunk.toString();
  return text;
}

async function* parts<T>(...batches: T[][]): AsyncGenerator<T[]> {
  for (const batch of batches) yield batch;
}

describe('jsonArrayStream', () => {
  it('writes the first part and every later one as one JSON array', async () => {
    const text = await collect(jsonArrayStream([{ id: 1 }, { id: 2 }], parts([{ id: 3 }], [], [{ id: 4 }, { id: 5 }])));
    expect(JSON.parse(text)).toEqual([1, 2, 3, 4, 5].map((id) => ({ id })));
  });

  it('is valid JSON with empty parts anywhere, the first one included', async () => {
    expect(JSON.parse(await collect(jsonArrayStream([], parts([], [{ a: '"],[' }], []))))).toEqual([{ a: '"],[' }]);
    expect(await collect(jsonArrayStream([], parts()))).toBe('[]');
  });

  it('asks for the next part only when the reader wants more', async () => {
    let pulled = 0;
    async function* counted(): AsyncGenerator<Array<{ n: string }>> {
      for (let i = 0; i < 100; i++) {
        pulled++;
        yield [{ n: 'x'.repeat(64 * 1024) }];
      }
    }
    const stream = jsonArrayStream([{ n: 'first' }], counted());
    const iterator = stream[Symbol.asyncIterator]();
    await iterator.next();
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(pulled).toBeLessThan(5);
    stream.destroy();
  });

  it('stops the parts when destroyed', async () => {
    let finished = false;
    async function* endless(): AsyncGenerator<Array<{ n: number }>> {
      try {
        for (let n = 0; ; n++) yield [{ n }];
      } finally {
        finished = true;
      }
    }
    const stream = jsonArrayStream([{ n: -1 }], endless());
    const iterator = stream[Symbol.asyncIterator]();
    await iterator.next();
    stream.destroy();
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(finished).toBe(true);
  });

  it('fails the stream, and reports the error, when a part fails: no closing bracket is written', async () => {
    const reported: unknown[] = [];
    async function* failing(): AsyncGenerator<Array<{ n: number }>> {
      yield [{ n: 1 }];
      throw new Error('connection terminated');
    }
    const stream = jsonArrayStream([{ n: 0 }], failing(), (error) => reported.push(error));
    let text = '';
    await expect(
      (async () => {
        for await (const chunk of stream) text += chunk.toString();
      })(),
    ).rejects.toThrow('connection terminated');
    expect(text.endsWith(']')).toBe(false);
    expect(reported).toHaveLength(1);
  });
});
