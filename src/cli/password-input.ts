import { MAX_PASSWORD_LENGTH } from '../users/password-validators';
import { CancelledError, CommandError, passwordRefused } from './cli-errors';

/** What a prompt needs from a terminal: process.stdin when it is a TTY. */
export interface TerminalInput {
  setRawMode(mode: boolean): unknown;
  on(event: 'data', listener: (chunk: Buffer | string) => void): unknown;
  removeListener(event: 'data', listener: (chunk: Buffer | string) => void): unknown;
  resume(): unknown;
  pause(): unknown;
}

export interface TextOutput {
  write(text: string): unknown;
}

/** Checks a candidate password and returns every reason it is refused (none = accepted). */
export type PasswordCheck = (password: string) => Promise<string[]>;

/** Where a command gets a new password from: a terminal prompt or one line of stdin. */
export interface PasswordSource {
  obtain(check: PasswordCheck): Promise<string>;
}

const CTRL_C = '\u0003';
const CTRL_D = '\u0004';
const BACKSPACE = new Set(['\u007f', '\b']);

/**
 * Reads one line from a terminal without echoing it, as Python's getpass
 * (and so Django's createsuperuser) does. Raw mode is switched on before the
 * prompt is shown, so keys typed after the prompt are never echoed.
 */
export function promptHidden(prompt: string, input: TerminalInput, output: TextOutput): Promise<string> {
  return new Promise((resolve, reject) => {
    let typed: string[] = [];
    const finish = (outcome: () => void): void => {
      input.removeListener('data', onData);
      input.setRawMode(false);
      input.pause();
      output.write('\n');
      outcome();
    };
    const onData = (chunk: Buffer | string): void => {
      for (const char of String(chunk)) {
        if (char === '\r' || char === '\n') return finish(() => resolve(typed.join('')));
        if (char === CTRL_C || (char === CTRL_D && typed.length === 0)) return finish(() => reject(new CancelledError()));
        if (BACKSPACE.has(char)) typed = typed.slice(0, -1);
        // Other control keys (arrows arrive as ESC sequences) are not part of a password.
        else if (char >= ' ' && char !== '\u007f') typed.push(char);
      }
    };
    input.setRawMode(true);
    input.on('data', onData);
    input.resume();
    output.write(prompt);
  });
}

/** Django's flow: the password twice, re-asked after a mismatch or a refusal, three attempts in all. */
export class TerminalPasswordSource implements PasswordSource {
  constructor(
    private readonly input: TerminalInput,
    private readonly output: TextOutput,
    private readonly attempts = 3,
  ) {}

  async obtain(check: PasswordCheck): Promise<string> {
    for (let attempt = 0; attempt < this.attempts; attempt++) {
      const password = await promptHidden('Password: ', this.input, this.output);
      const again = await promptHidden('Password (again): ', this.input, this.output);
      if (password !== again) {
        this.output.write("Error: Your passwords didn't match.\n");
        continue;
      }
      if (password === '') {
        this.output.write("Error: Blank passwords aren't allowed.\n");
        continue;
      }
      const problems = await check(password);
      if (problems.length === 0) return password;
      for (const problem of problems) this.output.write(`Error: ${problem}\n`);
    }
    throw new CommandError(`No acceptable password after ${this.attempts} attempts; nothing was changed.`);
  }
}

/** `--password-stdin`: the first line of stdin, for scripts and containers. */
export class StdinPasswordSource implements PasswordSource {
  constructor(private readonly input: NodeJS.ReadableStream) {}

  async obtain(check: PasswordCheck): Promise<string> {
    const password = await readFirstLine(this.input);
    const problems = await check(password);
    if (problems.length > 0) throw passwordRefused(problems);
    return password;
  }
}

// Room for the longest acceptable password in 4-byte UTF-8 plus a CRLF; more is refused, not buffered.
const MAX_LINE_BYTES = MAX_PASSWORD_LENGTH * 4 + 2;

/**
 * The first line of a stream, without its line ending and otherwise exactly as
 * sent: passwords are never trimmed. Refuses an empty stream and invalid UTF-8.
 */
export function readFirstLine(input: NodeJS.ReadableStream): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let settled = false;
    const settle = (outcome: () => void): void => {
      if (settled) return;
      settled = true;
      input.removeListener('data', onData);
      input.removeListener('end', onEnd);
      input.removeListener('error', onError);
      input.pause();
      outcome();
    };
    const decode = (bytes: Buffer, sawNewline: boolean): void => {
      if (!sawNewline && bytes.length === 0) {
        return settle(() => reject(new CommandError('--password-stdin: stdin was empty; send the password as one line.')));
      }
      let text: string;
      try {
        text = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
      } catch {
        return settle(() => reject(new CommandError('--password-stdin: the password is not valid UTF-8.')));
      }
      settle(() => resolve(text.endsWith('\r') ? text.slice(0, -1) : text));
    };
    const onData = (chunk: Buffer | string): void => {
      const bytes = Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk, 'utf8');
      const newline = bytes.indexOf(0x0a);
      const kept = newline >= 0 ? bytes.subarray(0, newline) : bytes;
      chunks.push(kept);
      size += kept.length;
      if (size > MAX_LINE_BYTES) {
        return settle(() => reject(new CommandError(`--password-stdin: the password is longer than ${MAX_PASSWORD_LENGTH} characters.`)));
      }
      if (newline >= 0) decode(Buffer.concat(chunks), true);
    };
    const onEnd = (): void => decode(Buffer.concat(chunks), false);
    const onError = (error: Error): void => settle(() => reject(new CommandError(`--password-stdin: could not read stdin: ${error.message}`)));
    input.on('data', onData);
    input.on('end', onEnd);
    input.on('error', onError);
    input.resume();
  });
}
