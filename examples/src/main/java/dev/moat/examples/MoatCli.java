package dev.moat.examples;

import dev.moat.policy.PolicyException;
import java.io.PrintStream;
import java.util.Arrays;

/** The {@code ./moat} command line. */
public final class MoatCli {
  static final String HELP =
      """
      Usage: ./moat <command> [options]

      Commands:
        serve    The protected model server on the bundled model: OpenAI-compatible HTTP API
                 (/v1/completions, /v1/chat/completions, /v1/models, streaming), API keys per tier,
                 live policy, Prometheus metrics and a web console on the admin port.
                 Options: --port 8000 --admin-port 8001 --host 127.0.0.1 --policy FILE --keys FILE
                          --watermark-keys FILE --admin-key KEY --workers N --moat on|off
                          --state FILE (the detector's state: restored at start, written every
                          5 minutes and at exit; an unreadable file is moved aside)
                          --redis redis://HOST:PORT (the detector's links shared by replicas)
                          --load SECONDS (instead: a short mixed load of benign users and an
                          extraction campaign against it, and what each tier saw)
                          --bench SECONDS [--clients 200] (instead: throughput and time to first
                          token with Moat off and on, alternating phases, side by side)
                          --max-batch 16 (sequences per model call; 1: each request alone)
                          --batch-queue 1024 (new requests that may wait for a place; then 503)
                          --bench-batch SECONDS [--rounds 3] (instead: batched against one
                          sequence per call at 1, 4 and 16 streaming clients)
        demo     Generate from the bundled model under two tiers, stream the text, and show what the
                 policy applied and the watermark detector's verdict for each output.
                 Options: --tiers free,internal --prompt TEXT --max-tokens 160 --temperature 1.0
                          --top-p 1.0 --seed 2026 --policy FILE --keys FILE --alpha 0.001
        detect   Test token ids or text for a Moat watermark; prints JSON (z-score, exact p-value).
                 Options: --tokens 1,2,3 | --text TEXT | --file PATH  [--tokenizer tokenizer.json]
                          | --corpus FILE.jsonl (one text or id array per line, scored as one body
                          of evidence; with --ignore-repeated each pair counts once across texts)
                          --seeding lefthash (default) | selfhash (kgw)
                          --keys FILE (or $MOAT_WATERMARK_KEYS) --key-id ID[,RETIRED,...]
                          (several ids: each tried, p-value Bonferroni-corrected) --gamma 0.25
                          --context-width 1 --context-tokens N --ignore-repeated --alpha 0.001
                          --entropy-threshold H (kgw with an entropy gate: scores only positions
                          where the bundled model's entropy was >= H nats)
                          --window N [--window-step S] (kgw: best window of N scored tokens, for a
                          passage pasted into a longer text; corrected for the windows tested)
                          --scheme kgw (moat-kgw-v1, default) | gumbel (moat-gumbel-v2) |
                          kgw-hf (Hugging Face's lefthash; --vocab-size V, and either the key
                          from --keys/--key-id or Hugging Face's own --hash-key K; bos = V-1 dropped)
        quality  The watermark quality report on the bundled model: detection power at 1% and 0.1%
                 FPR for 25-200 tokens per scheme, perplexity cost, robustness to token
                 substitution, and a plot.
                 Options: --prompts 500 --tokens 200 --temperature 1.0 --threads N
                          --out examples/quality
        simulate Write simulated API traffic in the trace format (benign populations, their hard
                 look-alikes and distillation campaigns) and the account labels.
                 Options: --out FILE.jsonl[.gz] --labels FILE.json --scenario mixed|stealth|campaign
                          --scale 1 --days 7 (campaign: 44) --seed 1 --start 2026-04-22T00:00:00Z
        replay   Run a trace through the probing detector online, in timestamp order; one verdict
                 line per account, a summary, and with --labels the figures per population.
                 Options: --trace FILE.jsonl[.gz] | --simulate mixed|campaign|stealth [--scale 1
                          --days N --seed 1 --strip-metadata] (generated on the fly, labels
                          included; --strip-metadata drops account age, client, temperature, turns
                          and tier, as traces from elsewhere often lack them)
                          --out VERDICTS.jsonl --labels LABELS.json --policy FILE (its detection
                          section) --model FILE.json --onnx (score with ONNX Runtime)
                          --progress 5000000
        train-detector
                 Train the bundled probing classifier from simulated traffic; writes the plugin's
                 JSON model and its ONNX export.
                 Options: --train-seeds 101,102 --validation-seed 103 --days 7 --hidden 16
                          --epochs 30 --out-model FILE --out-onnx FILE
        distill-report
                 What sampling perturbation costs (perplexity of the output under the model) and
                 what it does to a student (held-out perplexity of a bigram student trained on it).
                 Options: --prompts 200 --tokens 120 --threads N --out FILE
        radioactivity
                 Distillation forensics: does a suspect model carry our watermark because it was
                 trained on our output? Without --suspect, the experiment end to end on the bundled
                 model (harvest, n-gram students on 0-100% watermarked mixes, black-box tests, a
                 100-key control); writes RESULTS.md and a plot.
                 Options: --prompts 600 --tokens 128 --suspect-texts 400 --threads N
                          --out examples/forensics --harvest-out FILE.jsonl (the harvest, with
                          the key id of each answer)
                          | --suspect FILE (one suspect text per line)
                          | --suspect URL --suspect-key KEY --suspect-model NAME [--prompts 200]
                            (an OpenAI-compatible endpoint continues our prompts)
                          | --suspect-onnx DIR --served FILE (open weights: the model reads the
                            texts we served and its own predictions are tested)
                          with --keys FILE --key-id ID --scheme kgw|gumbel --alpha 1e-6
        evidence A report a third party can check that a suspect's text carries our watermark:
                 the test per committed key and scheme with Holm and Bonferroni corrections, a
                 wrong-key control (empirical p, KS test of the null p-values, plots), a clean
                 control, the no-dedup ablation, the samples and the commands; never the key.
                 examples/verify/moat_evidence_v1.py checks it from the revealed key.
                 Options: --suspect FILE (one text per line) --out DIR [--prompts FILE (one per
                          suspect text)] [--control FILE (clean texts)] [--served FILE (our
                          served texts: adds the filtered test)] --keys FILE
                          --commitments FILE (lines of ./moat keys; the key must open each)
                          | --key-id ID[,ID...] --scheme kgw[,gumbel] --gamma 0.25 --delta 2
                            --context-width 1 --seeding lefthash
                          --wrong-keys 1000 --wrong-key-seed 1 --alpha 1e-6
        keys     new --key-id ID --out FILE [scheme options]: make a key (32 random bytes) and
                 print its commitment; commit --keys FILE --key-id ID [scheme options]: print a
                 key's commitment (SHA-256 over key, parameters and code version; never the key).
                 Scheme options: --scheme kgw|gumbel[,...] --gamma 0.25 --delta 2
                 --context-width 1 --seeding lefthash|selfhash
        help     Show this text.

      Keys: files of lines id=hexmaterial; without --keys or $MOAT_WATERMARK_KEYS the public demo key
      is used (fine for the demo, worthless as evidence).
      """;

  private MoatCli() {}

  /** The serve command's view of the parsed arguments. */
  static dev.moat.examples.serve.ServeCommand.Options serveOptions(Args a) {
    return new dev.moat.examples.serve.ServeCommand.Options() {
      @Override
      public boolean has(String name) {
        return a.has(name);
      }

      @Override
      public String text(String name, String dflt) {
        return a.get(name, dflt);
      }

      @Override
      public int integer(String name, int dflt, int lo, int hi) {
        return a.getInt(name, dflt, lo, hi);
      }

      @Override
      public java.nio.file.Path path(
          String name, dev.moat.examples.serve.ServeCommand.PathSupplier dflt)
          throws java.io.IOException {
        return a.has(name) ? java.nio.file.Path.of(a.get(name, "")) : dflt.get();
      }

      @Override
      public dev.moat.watermark.WatermarkKeys watermarkKeys(PrintStream err)
          throws java.io.IOException {
        return Keys.load(a.has("watermark-keys") ? a.get("watermark-keys", "") : null, err);
      }
    };
  }

  public static void main(String[] argv) {
    System.exit(run(argv, System.out, System.err));
  }

  static int run(String[] argv, PrintStream out, PrintStream err) {
    if (argv.length == 0 || Arrays.asList("help", "--help", "-h").contains(argv[0])) {
      out.print(HELP);
      return argv.length == 0 ? 2 : 0;
    }
    try {
      return switch (argv[0]) {
        case "demo" -> DemoCommand.run(new Args("demo", argv, 1, DemoCommand.OPTIONS), out, err);
        case "quality" ->
            QualityCommand.run(new Args("quality", argv, 1, QualityCommand.OPTIONS), out);
        case "detect" ->
            DetectCommand.run(new Args("detect", argv, 1, DetectCommand.OPTIONS), out, err);
        case "simulate" ->
            SimulateCommand.run(new Args("simulate", argv, 1, SimulateCommand.OPTIONS), out);
        case "replay" ->
            ReplayCommand.run(new Args("replay", argv, 1, ReplayCommand.OPTIONS), out, err);
        case "distill-report" ->
            DistillCommand.run(new Args("distill-report", argv, 1, DistillCommand.OPTIONS), out);
        case "serve" ->
            dev.moat.examples.serve.ServeCommand.run(
                serveOptions(
                    new Args("serve", argv, 1, dev.moat.examples.serve.ServeCommand.OPTIONS)),
                out,
                err);
        case "radioactivity" ->
            RadioactivityCommand.run(
                new Args("radioactivity", argv, 1, RadioactivityCommand.OPTIONS), out, err);
        case "evidence" ->
            EvidenceCommand.run(
                new Args("evidence", argv, 1, EvidenceCommand.OPTIONS), argv, out, err);
        case "keys" -> KeysCommand.run(argv, out, err);
        case "train-detector" ->
            TrainDetectorCommand.run(
                new Args("train-detector", argv, 1, TrainDetectorCommand.OPTIONS), out);
        default -> {
          err.println(
              "moat: unknown command '"
                  + argv[0]
                  + "'; commands: serve, demo, detect, quality, simulate, replay, train-detector, distill-report, radioactivity, evidence, keys, help");
          yield 2;
        }
      };
    } catch (Args.UsageException | PolicyException | IllegalArgumentException e) {
      err.println("moat " + argv[0] + ": " + e.getMessage());
      return 2;
    } catch (Exception e) {
      err.println("moat " + argv[0] + ": failed: " + e);
      return 1;
    }
  }
}
