import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { KilnError } from '../../../src/core/errors/kiln-error.js';
import {
  generateGetstreamParams,
  parseGetstreamParams,
} from '../../../src/core/images/parse-getstream-params.js';
import { canonicalKey, type ResizeStep } from '../../../src/core/images/transform-plan.js';

const resizeOf = (q: Record<string, string>) => parseGetstreamParams(q).geometry[0] as ResizeStep;

describe('parseGetstreamParams', () => {
  it('maps each resize mode to a fit', () => {
    assert.equal(resizeOf({ w: '100', h: '50', resize: 'clip' }).fit, 'contain');
    assert.equal(resizeOf({ w: '100', h: '50', resize: 'crop' }).fit, 'cover');
    assert.equal(resizeOf({ w: '100', h: '50', resize: 'scale' }).fit, 'fill');
    assert.equal(resizeOf({ w: '100', h: '50', resize: 'fill' }).fit, 'pad');
    assert.equal(resizeOf({ w: '100' }).fit, 'contain');
    assert.deepEqual(parseGetstreamParams({ w: '1', resize: 'fill' }).background, {
      r: 255,
      g: 255,
      b: 255,
      alpha: 1,
    });
  });

  it('reads crop positions and corner combinations in any order', () => {
    assert.deepEqual(resizeOf({ w: '10', h: '10', resize: 'crop', crop: 'top,left' }).gravity, {
      kind: 'align',
      x: 0,
      y: 0,
    });
    assert.deepEqual(resizeOf({ w: '10', h: '10', resize: 'crop', crop: 'bottom' }).gravity, {
      kind: 'align',
      x: 0.5,
      y: 1,
    });
    assert.equal(
      canonicalKey(parseGetstreamParams({ w: '10', h: '10', resize: 'crop', crop: 'left,top' })),
      canonicalKey(parseGetstreamParams(new URLSearchParams('h=10&crop=top,left&w=10&resize=crop'))),
    );
  });

  it('treats crop without resize as resize=crop', () => {
    assert.equal(resizeOf({ w: '10', h: '10', crop: 'right' }).fit, 'cover');
  });

  it('ignores foreign query parameters (signatures)', () => {
    assert.doesNotThrow(() => parseGetstreamParams({ w: '5', Signature: 'x', Expires: '1', api_key: 'k' }));
  });

  it('rejects invalid values naming the parameter', () => {
    const bad: Array<[Record<string, string>, RegExp]> = [
      [{ w: '0' }, /"w"/],
      [{ w: '-5' }, /"w"/],
      [{ h: 'abc' }, /"h"/],
      [{ w: '10', resize: 'stretch' }, /"resize"/],
      [{ w: '10', crop: 'middle' }, /"crop"/],
      [{ w: '10', crop: 'top,bottom' }, /opposite/],
      [{ resize: 'clip' }, /"w" and "h"/],
    ];
    for (const [q, message] of bad) {
      assert.throws(
        () => parseGetstreamParams(q),
        (e: unknown) => e instanceof KilnError && e.code === 'invalid_input' && message.test(e.message),
        JSON.stringify(q),
      );
    }
  });

  it('round-trips through the generator', () => {
    for (const q of [
      { w: '100', h: '50', resize: 'crop', crop: 'top,left' },
      { w: '300', resize: 'clip', crop: 'center' },
      { w: '30', h: '40', resize: 'fill', crop: 'bottom,right' },
      { h: '40', resize: 'scale', crop: 'center' },
    ]) {
      const plan = parseGetstreamParams(q);
      assert.deepEqual(generateGetstreamParams(plan), q);
      assert.equal(canonicalKey(parseGetstreamParams(generateGetstreamParams(plan))), canonicalKey(plan));
    }
  });
});
