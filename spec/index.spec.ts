import * as api from '../src';

describe('the package root', () => {
  it('exports exactly the contract names (plus types)', () => {
    expect(Object.keys(api).sort()).toEqual(
      [
        'CancelledError',
        'ChildCancelled',
        'Task',
        'awaitTask',
        'cancelWhen',
        'detectCancel',
        'linkSignals',
        'shield',
        'startTask',
        'task',
        'whenAllCancellable',
        'whenAnyCancellable',
      ].sort(),
    );
  });
});
