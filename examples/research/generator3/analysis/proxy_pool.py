"""Moves one campaign population's requests onto a small pool of networks (issue 15: what venues
cost a campaign whose new accounts start in bulk behind few proxies). Each request's network is
drawn from the pool by a hash of its account and hour, as a proxy rotating hourly would give.

    python3 examples/research/generator3/analysis/proxy_pool.py /tmp/g3/s4.jsonl.gz \
        /tmp/s4pool.jsonl.gz /tmp/g3/s4-labels.json 20 [campaign-hydra]
"""
import gzip
import hashlib
import json
import sys


def main(src, dst, labels, networks, population='campaign-hydra'):
    owner = json.load(open(labels))
    with gzip.open(src, 'rt') as f, gzip.open(dst, 'wt', compresslevel=1) as g:
        for line in f:
            d = json.loads(line)
            if owner.get(d['account']) == population and d.get('client'):
                h = hashlib.md5((d['account'] + d['ts'][:13]).encode()).hexdigest()
                d['client'] = '10.%d.0.0/24' % (int(h, 16) % networks)
                line = json.dumps(d, separators=(',', ':')) + '\n'
            g.write(line)


if __name__ == '__main__':
    main(sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4]), *sys.argv[5:6])
