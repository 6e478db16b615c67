/** Input or state the operator can fix (unknown user, refused password...): exit status 1, like Django's CommandError. */
export class CommandError extends Error {}

/** A new password the validators refuse, one reason a line. */
export function passwordRefused(problems: string[]): CommandError {
  return new CommandError(['The password was refused:', ...problems.map((problem) => `  - ${problem}`)].join('\n'));
}

/** A wrong command line: exit status 2 with the usage, as argparse (and so manage.py) does. */
export class UsageError extends Error {
  constructor(
    message: string,
    readonly usage: string,
  ) {
    super(message);
  }
}

/** Ctrl-C or Ctrl-D at a prompt: exit status 130, nothing changed. */
export class CancelledError extends Error {
  constructor() {
    super('Operation cancelled.');
  }
}

export const EXIT = { ok: 0, refused: 1, usage: 2, cancelled: 130 } as const;
