import { EventEmitter } from 'node:events';
import { PassThrough } from 'node:stream';
import { CancelledError, CommandError } from './cli-errors';
import { promptHidden, readFirstLine, StdinPasswordSource, TerminalInput, TerminalPasswordSource } from './password-input';

/** A scripted terminal: records raw-mode switches and replays keystrokes once the prompt is shown. */
class FakeTerminal extends EventEmitter implements TerminalInput {
  rawMode: boolean[] = [];
  output = '';
  private pending: string[];

  constructor(keystrokes: string[]) {
    super();
    this.pending = [...keystrokes];
  }
  setRawMode(mode: boolean): void {
    this.rawMode.push(mode);
  }
  resume(): void {}
  pause(): void {}
  readonly out = {
    write: (text: string): void => {
      this.output += text;
      if (text.endsWith(': ') && this.pending.length > 0) {
        const keys = this.pending.shift() as string;
        setImmediate(() => this.emit('data', Buffer.from(keys, 'utf8')));
      }
    },
  };
}

const STRONG = 'violet-Harbor-42-lantern';
const accept = async (): Promise<string[]> => [];

describe('promptHidden', () => {
  it('returns what was typed, switches raw mode on before the prompt and off after, and never echoes', async () => {
    const terminal = new FakeTerminal([`${STRONG}\r`]);
    await expect(promptHidden('Password: ', terminal, terminal.out)).resolves.toBe(STRONG);
    expect(terminal.rawMode).toEqual([true, false]);
    expect(terminal.output).toBe('Password: \n');
  });

  it('applies backspace per character, keeps spaces and non-ASCII, and ignores control keys', async () => {
    const terminal = new FakeTerminal([' pä\u007fass\bs wörd\u001b \u0007x\n']);
    await expect(promptHidden('Password: ', terminal, terminal.out)).resolves.toBe(' pass wörd x');
  });

  it('cancels on Ctrl-C, and on Ctrl-D at an empty line, restoring the terminal', async () => {
    const interrupted = new FakeTerminal(['abc\u0003']);
    await expect(promptHidden('Password: ', interrupted, interrupted.out)).rejects.toBeInstanceOf(CancelledError);
    expect(interrupted.rawMode).toEqual([true, false]);
    const ended = new FakeTerminal(['\u0004']);
    await expect(promptHidden('Password: ', ended, ended.out)).rejects.toBeInstanceOf(CancelledError);
  });
});

describe('TerminalPasswordSource', () => {
  it('asks again after a mismatch, a blank password and a refused one, and returns the first accepted', async () => {
    const terminal = new FakeTerminal(['one-Thing-1\r', 'other-Thing-2\r', '\r', '\r', 'password\r', 'password\r', `${STRONG}\r`, `${STRONG}\r`]);
    const source = new TerminalPasswordSource(terminal, terminal.out, 4);
    const check = async (candidate: string): Promise<string[]> => (candidate === 'password' ? ['This password is too common.'] : []);
    await expect(source.obtain(check)).resolves.toBe(STRONG);
    expect(terminal.output).toContain("Error: Your passwords didn't match.");
    expect(terminal.output).toContain("Error: Blank passwords aren't allowed.");
    expect(terminal.output).toContain('Error: This password is too common.');
    expect(terminal.output).not.toContain(STRONG);
  });

  it('gives up after three attempts', async () => {
    const terminal = new FakeTerminal(['a-Thing-1\r', 'b-Thing-1\r', 'a-Thing-1\r', 'b-Thing-1\r', 'a-Thing-1\r', 'b-Thing-1\r']);
    await expect(new TerminalPasswordSource(terminal, terminal.out).obtain(accept)).rejects.toThrow(
      new CommandError('No acceptable password after 3 attempts; nothing was changed.'),
    );
  });
});

describe('readFirstLine', () => {
  const streamOf = (...chunks: Array<string | Buffer>): PassThrough => {
    const stream = new PassThrough();
    for (const chunk of chunks) stream.write(chunk);
    stream.end();
    return stream;
  };

  it('returns the first line without its LF or CRLF, and never trims anything else', async () => {
    await expect(readFirstLine(streamOf('  secret with spaces \r\nsecond line\n'))).resolves.toBe('  secret with spaces ');
    await expect(readFirstLine(streamOf('sec', 'ret\n'))).resolves.toBe('secret');
  });

  it('accepts a last line without a newline', async () => {
    await expect(readFirstLine(streamOf('no-newline'))).resolves.toBe('no-newline');
  });

  it('refuses an empty stream, invalid UTF-8 and an over-long line', async () => {
    await expect(readFirstLine(streamOf())).rejects.toThrow('stdin was empty');
    await expect(readFirstLine(streamOf(Buffer.from([0x66, 0xff, 0x0a])))).rejects.toThrow('not valid UTF-8');
    await expect(readFirstLine(streamOf('x'.repeat(20_000)))).rejects.toThrow('longer than 4096 characters');
  });

  it('treats an empty first line as an empty password, for the validators to refuse', async () => {
    const problems = async (candidate: string): Promise<string[]> => (candidate === '' ? ['This field may not be blank.'] : []);
    await expect(new StdinPasswordSource(streamOf('\n')).obtain(problems)).rejects.toThrow('This field may not be blank.');
  });
});
