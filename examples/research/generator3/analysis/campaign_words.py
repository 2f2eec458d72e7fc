"""Which words link a trace's campaign accounts? (issue 15, 2026-12-03; an analysis, not a detector)

For every word of four or more letters (a short stop list removed), the accounts that use it; among
the words used by 8 to 300 accounts, those whose accounts are at least 90% campaign by the labels
(an oracle no detector has). Prints how many campaign accounts of each population use such a word,
how many benign accounts do, and the words. On the third generator's seed 2 they were its
paraphraser's own typos and synonyms: a fingerprint of that generator, not a property of campaigns.

    python3 examples/research/generator3/analysis/campaign_words.py s2.jsonl.gz s2-labels.json
"""
import collections
import gzip
import json
import re
import sys

trace, labels = sys.argv[1], sys.argv[2]
lab = json.load(open(labels))
STOP = set("""that this with from your have what about would could should there their which when where while them then than into over also just like make more most some such only very will into been being does doing done each other these those they here after before because between through during without within against among under above below again further once both same until onto upon using used uses please write explain step steps think code function answer give need want help reasoning detail details plan""".split())
W = re.compile(r"[a-z][a-z_]{3,}")
acct_words = collections.defaultdict(collections.Counter)
n = 0
with gzip.open(trace, 'rt') as f:
    for line in f:
        r = json.loads(line)
        a = r['account']
        for w in set(W.findall(r['prompt'].lower())):
            if w not in STOP:
                acct_words[a][w] += 1
        n += 1
df = collections.Counter()
for a, c in acct_words.items():
    for w in c: df[w] += 1
pops = collections.Counter(lab[a] for a in acct_words)


def camp(p):
    return p.startswith('campaign')


# words by df band and campaign share
cand = {w for w, d in df.items() if 8 <= d <= 300}
# inverted index for candidate words
inv = collections.defaultdict(list)
for a, c in acct_words.items():
    for w in c:
        if w in cand: inv[w].append(a)
pure = []
for w, accs in inv.items():
    k = len(accs); cc = sum(1 for a in accs if camp(lab[a]))
    if cc >= 0.9 * k: pure.append(w)
print('requests', n, 'accounts', len(acct_words), 'words df 8-300:', len(cand), 'of which >=90% campaign:', len(pure))
for p in pops:
    if camp(p):
        accs = [a for a in acct_words if lab[a] == p]
        hit = [a for a in accs if any(w in acct_words[a] for w in pure)]
        nw = sorted(sum(1 for w in pure if w in acct_words[a]) for a in accs)
        print('%-20s accounts %5d with a campaign-pure word %5d; median pure words %d' % (p, len(accs), len(hit), nw[len(nw)//2] if nw else 0))
bn = [a for a in acct_words if not camp(lab[a])]
bh = [a for a in bn if any(w in acct_words[a] for w in pure)]
print('benign accounts in a campaign-pure word bucket:', len(bh), 'of', len(bn))
print('sample pure words:', sorted(pure, key=lambda w: -len(inv[w]))[:40])
