"""Two replays of the same worlds, account by account: for each world, the accounts ever flagged
(first_flagged_ts) by the second build and not the first (new) and the reverse (gone), by
population, and how many flagged by both were flagged earlier or later. Issue 15: how a change was
checked for benign accounts newly flagged or cleared, beyond the tables' counts.

    python3 examples/research/generator3/analysis/compare.py BEFORE_DIR AFTER_DIR WORLDS_DIR NAME...

BEFORE_DIR and AFTER_DIR hold regress.sh's gNAME.jsonl verdicts; WORLDS_DIR the sNAME-labels.json.
"""
import collections
import json
import sys


def ever(path):
    out = {}
    for line in open(path):
        v = json.loads(line)
        if v.get('first_flagged_ts'):
            out[v['account']] = v['first_flagged_ts']
    return out


def main(before, after, worlds, names):
    for w in names:
        lab = json.load(open(f'{worlds}/s{w}-labels.json'))
        lab = lab.get('accounts', lab)
        a, b = ever(f'{before}/g{w}.jsonl'), ever(f'{after}/g{w}.jsonl')
        new = collections.Counter(lab.get(x, '?') for x in b if x not in a)
        gone = collections.Counter(lab.get(x, '?') for x in a if x not in b)
        earlier = sum(1 for x in b if x in a and b[x] < a[x])
        later = sum(1 for x in b if x in a and b[x] > a[x])
        print(f"{w}: new {dict(new)}, gone {dict(gone)}, earlier {earlier}, later {later}")


if __name__ == '__main__':
    main(sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4:])
