package dev.moat.detect;

import java.util.List;

/**
 * The detector's feature vector: what an account's traffic looks like so far, each feature scaled
 * to about [0, 1]. Behaviour (rates, timing regularity, hours, clients, age), prompt shape (cues,
 * requested length, sampling settings, logprobs, turns, novelty) and cross-account evidence (how
 * many accounts share the account's templates and system prompt, and whether those accounts are
 * young or established). Rates are exponentially weighted over about the last 50 requests (an exact
 * mean before that), so an account that changes its behaviour is seen to change.
 *
 * <p>Thread-safe: constants only.
 */
public final class Features {
  public static final int REQUESTS = 0;
  public static final int RATE = 1;
  public static final int GAP_MEAN = 2;
  public static final int GAP_SPREAD = 3;
  public static final int HOUR_ENTROPY = 4;
  public static final int CLIENTS = 5;
  public static final int AGE = 6;
  public static final int AGE_KNOWN = 7;
  public static final int COT = 8;
  public static final int SOFTWARE = 9;
  public static final int AGENTIC = 10;
  public static final int PLANNING = 11;
  public static final int PERSONA = 12;
  public static final int CODE_ATTACHED = 13;
  public static final int SYSTEM = 14;
  public static final int GREEDY = 15;
  public static final int LOGPROBS = 16;
  public static final int FIRST_TURN = 17;
  public static final int MAX_TOKENS = 18;
  public static final int WORDS = 19;
  public static final int OUTPUT = 20;
  public static final int NOVELTY = 21;
  public static final int TEMPLATE_SHARED = 22;
  public static final int TEMPLATE_ESTABLISHED = 23;
  public static final int TEMPLATE_YOUNG = 24;
  public static final int SYSTEM_SHARED = 25;
  public static final int TEMPERATURE = 26;

  /** Number of features. */
  public static final int COUNT = 27;

  private static final List<String> NAMES =
      List.of(
          "requests",
          "rate",
          "gap_mean",
          "gap_spread",
          "hour_entropy",
          "clients",
          "age",
          "age_known",
          "cot",
          "software",
          "agentic",
          "planning",
          "persona",
          "code_attached",
          "system",
          "greedy",
          "logprobs",
          "first_turn",
          "max_tokens",
          "words",
          "output",
          "novelty",
          "template_shared",
          "template_established",
          "template_young",
          "system_shared",
          "temperature");

  private Features() {}

  /** The features' names, in vector order, as model files list them. */
  public static List<String> names() {
    return NAMES;
  }
}
