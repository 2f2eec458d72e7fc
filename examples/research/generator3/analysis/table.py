"""One row per replay output (regress.sh): benign flagged (and by population where any), then each
campaign population's accounts flagged (with hydra's requests served before the flag) and the
resellers' extraction requests served before the flag.

    python3 examples/research/generator3/analysis/table.py /tmp/regress g17 g18 u1
"""
import re
import sys


def row(folder, name):
    t = open('%s/%s.txt' % (folder, name)).read()
    b = re.search(r'^benign \(all\)\s+([\d,]+)\s+([\d,]+)', t, re.M)
    pops = {}
    for m in re.finditer(r'^campaign-(\S+)\s+([\d,]+)\s+([\d,]+)\s+([\d.]+)%.*?\(([\d.]+)%\)\s*$', t, re.M):
        pops[m.group(1)] = (m.group(3), m.group(2), m.group(5))
    ex = re.search(r'campaign-reseller ([\d,]+) of ([\d,]+) \(([\d.]+)%\)', t)
    benign_pops = []
    for m in re.finditer(r'^(?!benign|campaign)([a-z][a-z-]+)\s+([\d,]+)\s+([\d,]+)\s', t, re.M):
        if m.group(3) != '0' and m.group(1) != 'replayed':
            benign_pops.append('%s %s/%s' % (m.group(1), m.group(3), m.group(2)))
    cells = ['%s: %s/%s' % (p, v[0], v[1]) + (' (%s%%)' % v[2] if p == 'hydra' else '')
             for p, v in sorted(pops.items())]
    return '| %s | %s of %s%s | %s | %s |' % (
        name, b.group(2), b.group(1), (' (' + ', '.join(benign_pops) + ')') if benign_pops else '',
        ', '.join(cells), ex.group(3) + '%' if ex else '-')


if __name__ == '__main__':
    folder = sys.argv[1]
    print('| run | benign flagged | campaigns flagged | resellers\' extraction served first |')
    print('|---|---|---|---|')
    for n in sys.argv[2:]:
        try:
            print(row(folder, n))
        except (OSError, AttributeError) as e:
            print('| %s | (no result: %s) | | |' % (n, e))
