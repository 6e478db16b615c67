import { bodyProblem, PROTOTYPE_KEY_DETAIL } from './body-check';

describe('bodyProblem', () => {
  const detailOf = (body: unknown) => bodyProblem(body)?.detail ?? null;

  it('finds a prototype key at any depth, as JSON.parse leaves it: an own key', () => {
    for (const text of [
      '{"__proto__":{"polluted":1}}',
      '{"a":{"constructor":{"prototype":{"polluted":1}}}}',
      '[1,[{"b":[{"prototype":1}]}]]',
      '{"a":"x","b":[{}, {"c":{"__proto__":null}}]}',
    ]) {
      expect({ text, detail: detailOf(JSON.parse(text)) }).toEqual({ text, detail: PROTOTYPE_KEY_DETAIL });
    }
    expect(detailOf(JSON.parse('{"a":"__proto__","proto":["constructor"],"Constructor":1,"__proto":2}'))).toBeNull();
  });

  it('refuses an object whose prototype is not a plain object\'s, an array\'s or none', () => {
    // The shape a multipart field named __proto__ gave the old parser's fields object.
    const hijacked = Object.setPrototypeOf({ username: 'a' }, [Object.prototype, 'x']) as object;
    expect(detailOf(hijacked)).toBe(PROTOTYPE_KEY_DETAIL);
    expect(detailOf({ nested: [new Date()] })).toBe(PROTOTYPE_KEY_DETAIL);
    expect(detailOf(Object.assign(Object.create(null) as object, { a: 1 }))).toBeNull();
  });
});
