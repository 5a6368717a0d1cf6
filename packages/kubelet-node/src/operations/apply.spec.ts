import { diffManifests } from './apply';

describe('diffManifests', () => {
  it('sorts files into added, changed, removed and unchanged', () => {
    const host = new Map([['a.yaml', 'A'], ['b.yaml', 'B2'], ['c.yaml', 'C']]);
    const node = new Map([['b.yaml', 'B1'], ['c.yaml', 'C'], ['d.yaml', 'D']]);
    expect(diffManifests(host, node)).toEqual({ added: ['a.yaml'], changed: ['b.yaml'], removed: ['d.yaml'], unchanged: ['c.yaml'] });
  });
});
