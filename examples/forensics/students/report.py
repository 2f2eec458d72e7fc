"""Tables of the neural-student experiment from its results.jsonl (experiment.py report)."""
import json
import os
import time

ALPHA = -6.0  # log10 of the evidence bar


def f1(x):
    return "–" if x is None else f"{x:.1f}"


def rows(work):
    with open(os.path.join(work, "results.jsonl")) as f:
        return [json.loads(line) for line in f if line.strip()]


def verdict(lp):
    return "**yes**" if lp is not None and lp <= ALPHA else "no"


def green_share(work, r):
    """The primary test's green share and z from the scrubbed student's evidence.json."""
    d = os.path.join(work, f"scratch-{r['scheme']}-rho1-seed1")
    tag = "finetune-ft" if r["scrub"] == "finetune" else \
        f"{r['scrub']}-estimate-{r['name'].rsplit('N=', 1)[1]}.npz"
    path = os.path.join(d, f"evidence-scrub-{tag}", "evidence.json")
    if not os.path.exists(path):
        return "–"
    with open(path) as f:
        ev = json.load(f)
    t = next(t for t in ev["tests"] if t["id"] == ev["primary_test"])
    n, g = t["tuples"], float(t["parameters"].get("gamma", 0.25))
    if t["parameters"].get("scheme") != "moat-kgw-v1" or not n:
        return "–"
    z = (t["score"] - g * n) / (n * g * (1 - g)) ** 0.5
    return f"{t['score'] / n:.3f} ({z:+.1f})"


def mass(ow, field="green_mass"):
    """A green-mass test's cell: log10 bound (z; empirical p over its wrong keys)."""
    m = (ow or {}).get(field)
    if not m:
        return "–"
    e = f"; {m['empirical_p']:.4f}" if "empirical_p" in m else ""
    # round first: -0.04 prints as 0.0, not -0.0
    return f"{round(m['log10_p_value'], 1) + 0.0:.1f} (z {m['z']:+.1f}{e})"


def write(work, out):
    rs = rows(work)
    with open(os.path.join(work, "harvest", "manifest.json")) as f:
        manifest = json.load(f)
    md = [f"<!-- written by experiment.py report, {time.strftime('%Y-%m-%d')} -->", "",
          "# Neural students: results", "",
          "`/usr/bin/python3 examples/forensics/students/experiment.py run --grid main --work W`,"
          " then `adversary --grid main --work W`, then `report --work W --out RESULTS.md`"
          " (method and reading: [README.md](README.md)).", ""]
    md.append(f"Harvest: {manifest['prompts']:,} campaign prompts answered by {manifest['teacher']}, "
              f"up to {manifest['max_tokens']} tokens, clean and under "
              f"{', '.join(manifest['schemes'])} ({manifest['answer_tokens']:,} answer tokens, "
              f"{manifest['seconds']} s). Probes: {manifest['probes']:,} other campaign prompts.")
    md.append("")
    md.append("### Every student and test")
    md.append("")
    md.append("Black box: `./moat evidence` on the student's texts (each (context, token) tuple once,"
              " no prompt context); the primary test is the unfiltered one, Holm-corrected across"
              " the key's tests. Filtered: tuples whose context is in the texts we served."
              " Wrong keys: the share of wrong keys scoring at least as high (empirical p), and"
              " the KS p-value of their p-values against uniform. Open weights:"
              " `./moat radioactivity --suspect-onnx`, the student's arg-max at our served"
              " contexts; green mass: the same command's test of the student's whole next-token"
              " distribution at the first occurrence of each context (log10 of Bernstein's bound,"
              " then z and the wrong keys' empirical p); against the teacher and against the clean"
              " replica: the same test on the student's distribution minus the teacher's (the"
              " bundled model) or minus its ρ = 0 twin's.")
    md.append("")
    md.append("| student | trained on | ρ | seed | tested for | params | held-out ppl | suspect"
              " tokens | tuples | log10 p | Holm | filtered | no dedup | clean control |"
              " empirical p (keys) | KS p | open weights | green mass | against the teacher |"
              " against the clean replica | p < 1e-6 |")
    md.append("|" + "---|" * 21)
    for r in rs:
        e = r["evidence"]
        ow = r.get("open_weights")
        md.append(
            f"| {r['kind']} | {r['trained_on']} | {r['rho']:g} | {r['seed']} | {r['tested_for']} "
            f"| {r['parameters'] / 1e6:.2f}M | {r['heldout_perplexity']:.2f} "
            f"| {r['suspect_tokens']:,} | {e['tuples']:,} | {f1(e['log10_p'])} "
            f"| {f1(e['holm_log10_p'])} | {f1(e['filtered_log10_p'])} "
            f"| {f1(e['no_dedup_log10_p'])} | {f1(e['control_log10_p'])} "
            f"| {e['empirical_p']:.4f} ({e['wrong_keys']}) | {e['ks_p']:.2f} "
            f"| {f1(ow['log10_p_value']) if ow else '–'} | {mass(ow)} "
            f"| {mass(ow, 'green_mass_referenced')} "
            f"| {mass(r.get('open_weights_replica'), 'green_mass_referenced')} "
            f"| {verdict(e['holm_log10_p'])} |")
    md.append("")
    # The rho sweep per scheme (seed 1), black box and open weights side by side.
    md.append("### log10 p against the watermarked share (seed 1; black box / open weights)")
    md.append("")
    for kind in ("scratch", "finetune"):
        sub = [r for r in rs if r["kind"] == kind and r["seed"] == 1]
        if not sub:
            continue
        schemes = sorted({r["tested_for"] for r in sub})
        rhos = sorted({r["rho"] for r in sub})
        md.append(f"**{'From scratch' if kind == 'scratch' else 'Fine-tuned from a clean base'}**")
        md.append("")
        md.append("| ρ | " + " | ".join(schemes) + " |")
        md.append("|---|" + "---|" * len(schemes))
        for rho in rhos:
            cells = []
            for s in schemes:
                m = [r for r in sub if r["rho"] == rho and r["tested_for"] == s
                     and (rho == 0 or r["trained_on"] == s)]
                if not m:
                    cells.append("–")
                    continue
                e, ow = m[0]["evidence"], m[0].get("open_weights")
                cells.append(f"{f1(e['holm_log10_p'])} / {f1(ow['log10_p_value']) if ow else '–'}")
            md.append(f"| {rho * 100:g}% | " + " | ".join(cells) + " |")
        md.append("")
    clean = [r for r in rs if r["rho"] == 0]
    if clean:
        worst = min(r["evidence"]["log10_p"] for r in clean)
        keys = sum(r["evidence"]["wrong_keys"] for r in rs)
        below = sum(r["evidence"]["wrong_keys_below_0_01"] or 0 for r in rs)
        md.append(f"Clean students (ρ = 0): {len(clean)} tests, lowest log10 p {worst:.2f}. Wrong keys:"
                  f" {keys:,} in all over {len(rs)} tests, {below} of them below p = 0.01"
                  f" (expected about {keys / 100:.0f}).")
        md.append("")
    adv = os.path.join(work, "adversary.jsonl")
    if os.path.exists(adv):
        with open(adv) as f:
            ad = [json.loads(x) for x in f if x.strip()]
        md.append("### The adversary who knows the scheme (fully watermarked student, seed 1)")
        md.append("")
        md.append("Estimate: tokens after each previous token that are more frequent in the N"
                  " watermarked answers than in N clean answers to the same prompts (contexts seen"
                  " at least the grid's minimum on both sides), scored against the true lists over"
                  " the tokens seen there. Rewrite: every estimated-green token of the watermarked"
                  " answers replaced by the attacker's clean model's most likely token that is not"
                  " estimated green (the base model of the fine-tuned students), and a student"
                  " trained on those from scratch as the scrubbed one was. Bias: −2.5 on the"
                  " estimated green tokens at the student's inference. Clean fine-tune: one more"
                  " epoch on clean answers (lr 5e-4).")
        md.append("")
        md.append("Green share: the share of the primary test's tuples that are green (γ = 0.25"
                  " for KGW when nothing was learned), and its z-score; a scrub that overshoots"
                  " leaves fewer green tokens than chance.")
        md.append("")
        md.append("| scrub | contexts estimated | precision | recall | balanced accuracy |"
                  " black-box log10 p | Holm | empirical p | green share (z) |"
                  " held-out ppl before → after |")
        md.append("|---|---|---|---|---|---|---|---|---|---|")
        for r in ad:
            e, x = r["evidence"], r.get("estimate") or {}
            name = r["name"] + (f" ({x['replaced_share'] * 100:.1f}% of answer tokens replaced)"
                                if "replaced_share" in x else "")
            if r["scheme"] != "kgw-h-1":
                # The accuracy is against h = 1 lists, which a self-hash key does not have.
                x = {"contexts_estimated": x.get("contexts_estimated")}
            share = green_share(work, r)
            md.append(f"| {name} | {x.get('contexts_estimated', '–')} "
                      f"| {x.get('precision', '–')} | {x.get('recall', '–')} "
                      f"| {x.get('balanced_accuracy', '–')} | {f1(e['log10_p'])} "
                      f"| {f1(e['holm_log10_p'])} | {e['empirical_p']:.4f} | {share} "
                      f"| {r['perplexity_before']:.2f} → {r['perplexity']:.2f} "
                      f"({(r['perplexity'] / r['perplexity_before'] - 1) * 100:+.1f}%) |")
        md.append("")
    with open(out, "w") as f:
        f.write("\n".join(md) + "\n")
    print("\n".join(md))
