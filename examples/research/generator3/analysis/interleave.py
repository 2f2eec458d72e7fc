"""How often each population's accounts return to an earlier conversation after another one
(a key many people use interleaves its customers' conversations; one person mostly does not).
Per account with at least 20 requests carrying a conversation id: the share of those requests
whose conversation differs from the account's previous one and is among its last 8 others.
Prints the tenth, 50th, 90th and 99th percentiles and the maximum per population (issue 15,
session 45: neither generator's resellers are told from its developers this way).

    python3 examples/research/generator3/analysis/interleave.py TRACE.jsonl.gz LABELS.json
"""
import collections
import gzip
import json
import sys


def main(trace, labels):
    lab = json.load(open(labels))
    lab = lab.get('accounts', lab)
    state = {}
    for line in gzip.open(trace, 'rt'):
        r = json.loads(line)
        c = r.get('conversation')
        if c is None:
            continue
        x = state.setdefault(r['account'], [0, 0, None, []])  # requests, returns, last, recent
        x[0] += 1
        if c != x[2]:
            if c in x[3]:
                x[1] += 1
            x[3] = ([c] + [y for y in x[3] if y != c])[:8]
        x[2] = c
    pops = collections.defaultdict(list)
    for a, x in state.items():
        if x[0] >= 20:
            p = lab[a] if isinstance(lab[a], str) else lab[a].get('population')
            pops[p].append(x[1] / x[0])
    for p, v in sorted(pops.items()):
        v.sort()
        q = lambda f: v[min(len(v) - 1, int(f * len(v)))]
        print('%-22s accounts %5d  q10 %.3f  q50 %.3f  q90 %.3f  q99 %.3f  max %.3f'
              % (p, len(v), q(.1), q(.5), q(.9), q(.99), v[-1]))


if __name__ == '__main__':
    main(sys.argv[1], sys.argv[2])
