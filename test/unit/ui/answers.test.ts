// The confirmation rule: host name, then (strong) each cluster name.
import { describe, expect, test } from 'vitest';
import { checkAnswer, checkAnswers, expectedAnswers } from '../../../src/ui/answers.js';
import { verdict } from './fixtures.js';

describe('expectedAnswers', () => {
  test('normal: the short host name only', () => {
    expect(expectedAnswers(verdict(), 'db-01', ['15/main'])).toEqual(['db-01']);
  });
  test('strong: the host name, then each cluster name once, in order', () => {
    expect(expectedAnswers(verdict({ strong: true }), 'db-01', ['15/main'])).toEqual(['db-01', '15/main']);
    expect(expectedAnswers(verdict({ strong: true }), 'db-01', ['15/main', '15/replica', '15/main'])).toEqual(['db-01', '15/main', '15/replica']);
  });
  test('strong with no cluster named: the host name', () => {
    expect(expectedAnswers(verdict({ strong: true }), 'db-01', [])).toEqual(['db-01']);
  });
});

describe('checkAnswer', () => {
  test.each([
    ['db-01', 'db-01', true],
    ['db-01', '  db-01 ', true],
    ['db-01', 'DB-01', false],
    ['db-01', 'db-01.prod.example.com', false],
    ['db-01', 'db-0', false],
    ['db-01', '', false],
    ['', '', false],
    ['15/main', '15/main', true],
    ['15/main', 'main', false],
  ])('expected %j, typed %j -> %s', (expected, typed, ok) => {
    expect(checkAnswer(expected, typed)).toBe(ok);
  });
  test('checkAnswers needs every answer, in order', () => {
    expect(checkAnswers(['db-01', '15/main'], ['db-01', '15/main'])).toBe(true);
    expect(checkAnswers(['db-01', '15/main'], ['db-01'])).toBe(false);
    expect(checkAnswers(['db-01', '15/main'], ['15/main', 'db-01'])).toBe(false);
    expect(checkAnswers([], [])).toBe(false);
  });
});
