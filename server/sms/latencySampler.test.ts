import { describe, expect, it } from 'vitest';
import { createLatencySampler } from './latencySampler.js';

describe('createLatencySampler', () => {
  it('answers the default until a time is recorded', () => {
    expect(createLatencySampler(4, 250).sample()).toBe(250);
  });

  it('answers only recorded times, picked by the random source', () => {
    let next = 0;
    const sampler = createLatencySampler(4, 250, () => next);
    for (const ms of [100, 200, 300]) sampler.record(ms);
    next = 0;
    expect(sampler.sample()).toBe(100);
    next = 0.5;
    expect(sampler.sample()).toBe(200);
    next = 0.999;
    expect(sampler.sample()).toBe(300);
  });

  it('keeps only the newest `size` times', () => {
    const sampler = createLatencySampler(3, 250);
    for (const ms of [1, 2, 3, 4, 5]) sampler.record(ms);
    const seen = new Set(Array.from({ length: 300 }, () => sampler.sample()));
    expect([...seen].sort()).toEqual([3, 4, 5]);
  });
});
