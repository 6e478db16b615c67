/**
 * The import refused, with a message for the operator (the source cannot be
 * read, the target is not empty, rows cannot come over...). Nothing was
 * written when it is thrown; the management command prints it and exits 1.
 */
export class DjangoImportError extends Error {
  constructor(message: string, options?: { cause: unknown }) {
    super(message, options);
    this.name = 'DjangoImportError';
  }
}
