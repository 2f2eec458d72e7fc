"""How many distinct request settings each population's accounts send: the (system prompt,
max_tokens, temperature) triples of an account's requests over the whole trace (a key that many
people use carries each customer's tool's settings; one person's SDK, a product's backend or a
script sends one to a few). Per population: accounts, the most triples any account sent, the
accounts that reached K (default 8, Activity.MANY_HANDS), and for those the hours and requests
from their first request to the K-th distinct triple (median and maximum). Issue 15, session 46:
the evidence behind Activity.manyHands; the Java bitmap reads the system prompt's skeleton, so it
can count a little fewer.

    python3 examples/research/generator3/analysis/hands.py TRACE.jsonl.gz LABELS.json [K]
"""
import collections
import datetime
import gzip
import json
import sys


def ms(ts):
    t = datetime.datetime.strptime(ts[:23], "%Y-%m-%dT%H:%M:%S.%f")
    return t.replace(tzinfo=datetime.timezone.utc).timestamp() * 1000


def main(trace, labels, k=8):
    lab = json.load(open(labels))
    lab = lab.get('accounts', lab)
    first, seen, reach, n = {}, collections.defaultdict(set), {}, collections.Counter()
    for line in gzip.open(trace, 'rt'):
        r = json.loads(line)
        a, t = r['account'], ms(r['ts'])
        f = first.setdefault(a, t)
        n[a] += 1
        s = seen[a]
        s.add((r.get('system'), r.get('max_tokens'), r.get('temperature')))
        if len(s) >= k and a not in reach:
            reach[a] = ((t - f) / 3_600_000, n[a])
    pops = collections.defaultdict(list)
    for a in first:
        pops[lab.get(a, '?')].append(a)
    print(f"population | accounts | most triples | reached {k} | hours to {k} (median, max) | requests to {k} (median)")
    for p, accts in sorted(pops.items()):
        most = max(len(seen[a]) for a in accts)
        got = sorted(reach[a] for a in accts if a in reach)
        line = f"{p} | {len(accts)} | {most} | {len(got)}"
        if got:
            hours = sorted(h for h, _ in got)
            reqs = sorted(c for _, c in got)
            line += f" | {hours[len(hours) // 2]:.1f}, {hours[-1]:.1f} | {reqs[len(reqs) // 2]}"
        print(line)


if __name__ == '__main__':
    main(sys.argv[1], sys.argv[2], int(sys.argv[3]) if len(sys.argv) > 3 else 8)
