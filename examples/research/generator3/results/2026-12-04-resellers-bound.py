"""How early could a reseller be flagged by the phrase view? (issue 15, 2026-12-04, session 23)

Replays flag accounts again under other rules for keys that have burst (one key, many people),
from a replay's debug lines, and prints the share of resellers' extraction requests served
before the flag, and the benign accounts the rule would have flagged earlier than the shipped one.

  git apply 2026-12-04-resellers-bound.patch   # in a scratch checkout: a DBG line per request of
                                               # an account that has burst, on MOAT_DBG=1
  ./mvnw -B -q -DskipTests install              # examples/target/moat.jar and the core jar
  javac --release 17 -nowarn -cp examples/target/moat.jar -d /tmp/dbg \
      plugin/core/src/main/java/dev/moat/detect/AccountJudge.java   # the patched class alone
  MOAT_DBG=1 java --add-modules jdk.incubator.vector -cp /tmp/dbg:examples/target/moat.jar \
      dev.moat.examples.MoatCli replay --trace s5.jsonl.gz --out g5.jsonl 2> >(grep ^DBG | gzip > burst5.txt.gz)
  python3 2026-12-04-resellers-bound.py 5 burst5.txt.gz g5.jsonl   # reads /tmp/g3/s5-labels.json, s5-extraction.json

The rules are simulated on the shipped replay's links: flags they would add earlier would also
mark phrase buckets earlier, which is not simulated (k=6 reproduces the shipped figure exactly).
"""
import gzip,json,sys,collections,datetime
w=sys.argv[1]
labels=json.load(open(f'/tmp/g3/s{w}-labels.json'))
ex=json.load(open(f'/tmp/g3/s{w}-extraction.json'))
def p(t): return int(round(datetime.datetime.fromisoformat(t.replace('Z','+00:00')).timestamp()*1000))
ext={a:[p(t) for t in x['ts']] for a,x in ex.items()}
flag={}
for line in open(sys.argv[3]):
    d=json.loads(line); flag[d['account']]=p(d['first_flagged_ts']) if d.get('first_flagged_ts') else 1<<62
seq=collections.defaultdict(list)
for line in gzip.open(sys.argv[2],'rt'):
    f=line.split(); a=f[1]; t=int(f[2]); kv=dict(x.split('=') for x in f[3:])
    seq[a].append((t,int(kv['n']),int(kv['linked']),int(kv['raw']),kv['cued']=='true',float(kv['el'])))
def simulate(k,share,use_raw=False,need_el=0.0):
    res={}
    for a,s in seq.items():
        hits=0; frm=None
        for t,n,l,raw,cued,el in s:
            L = (raw>=0 and cued) if use_raw else (l>=0)
            if L:
                if frm is None: frm=n
                hits+=1
            if frm is not None and hits>=k and hits>=share*(n-frm+1) and el>=need_el:
                res[a]=t; break
    return res
for k,share,use_raw,el in [(6,0.01,False,0),(4,0.01,False,0),(3,0.01,False,0),(2,0.01,False,0),(3,0.01,True,0),(4,0.02,False,0)]:
    r=simulate(k,share,use_raw,el)
    ben=collections.Counter(labels.get(a) for a,t in r.items() if not labels.get(a,'').startswith('campaign') and t<flag.get(a,1<<62))
    tot=bef=0
    for a,ts in ext.items():
        f=min(flag.get(a,1<<62), r.get(a,1<<62)); tot+=len(ts); bef+=sum(1 for x in ts if x<f)
    print(f"k={k} share={share} raw={use_raw}: reseller extraction served first {bef}/{tot} = {bef/tot:.2%}; benign newly flagged {sum(ben.values())} {dict(ben)}")
for name,cond in [('first strong link (gated)',lambda l,raw,c: l>=0),('first raw strong link, cued',lambda l,raw,c: raw>=0 and c),('first raw weak-or-strong, cued',lambda l,raw,c: raw!=-1 and c)]:
    tot=bef=0
    for a,ts in ext.items():
        t1=next((t for t,n,l,raw,c,el in seq.get(a,[]) if cond(l,raw,c)),1<<62)
        f=min(flag.get(a,1<<62),t1); tot+=len(ts); bef+=sum(1 for x in ts if x<f)
    print(name, f"{bef/tot:.2%}")
