import { Injectable, PipeTransform } from '@nestjs/common';
import { notFound } from './problem-details';

const MAX_INT4 = 2_147_483_647;

/** Path ids are PostgreSQL integers: anything else cannot name a row, so it is a 404 like a missing one. */
@Injectable()
export class IntIdPipe implements PipeTransform<string, number> {
  transform(value: string): number {
    if (!/^[0-9]{1,10}$/.test(value)) throw notFound();
    const id = Number(value);
    if (id < 1 || id > MAX_INT4) throw notFound();
    return id;
  }
}
