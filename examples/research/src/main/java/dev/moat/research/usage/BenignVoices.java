package dev.moat.research.usage;

import java.time.LocalDate;
import java.util.SplittableRandom;
import org.jspecify.annotations.Nullable;

/**
 * The voices of the benign populations. Each holds one account's (or one product's) request
 * settings: the defaults of its SDK or front end.
 *
 * <p>Not thread-safe.
 */
final class BenignVoices {
  private BenignVoices() {}

  /**
   * Request settings as a front end or SDK sends them.
   *
   * @param system system prompt or null; {@code {date}} is replaced by the request's UTC date
   * @param maxTokens 0 when not sent
   * @param temperature -1 when not sent
   * @param topLogprobs 0 when not requested
   */
  record Settings(@Nullable String system, int maxTokens, double temperature, int topLogprobs) {
    @Nullable String system(long ts) {
      String s = system;
      return s != null && s.contains("{date}")
          ? s.replace("{date}", LocalDate.ofEpochDay(Math.floorDiv(ts, Dist.DAY)).toString())
          : s;
    }

    Voice.Utterance say(long ts, String prompt, int served, boolean extraction) {
      return new Voice.Utterance(
          system(ts), prompt, maxTokens, temperature, topLogprobs, served, extraction);
    }
  }

  /** Everyday chat: an opener, then short follow-ups; typed text with some noise. */
  record Chat(Settings s, double noise) implements Voice {
    @Override
    public Utterance speak(Turn t, SplittableRandom r) {
      String p = t.turn == 0 ? ChatPhrases.opener(r) : ChatPhrases.followUp(r);
      // LMSYS-Chat-1M: about 215 response tokens on average (log-normal median 160, sigma 0.8).
      return s.say(
          t.ts, Template.noise(p, noise, r), Voice.served(r, 160, 0.8, s.maxTokens()), false);
    }
  }

  /** A developer at work: code questions, pasted errors, follow-ups. */
  record Developer(Settings s) implements Voice {
    @Override
    public Utterance speak(Turn t, SplittableRandom r) {
      String p = t.turn == 0 ? CodePhrases.ask(r) : CodePhrases.followUp(r);
      return s.say(t.ts, p, Voice.served(r, 450, 0.8, s.maxTokens()), false);
    }
  }

  /** The agent product's tool loop: a task, then tool results. */
  record Agent(Settings s) implements Voice {
    @Override
    public Utterance speak(Turn t, SplittableRandom r) {
      String p = t.turn == 0 ? CodePhrases.agentTask(r) : CodePhrases.toolResult(r);
      return s.say(t.ts, p, Voice.served(r, 220, 0.9, s.maxTokens()), false);
    }
  }

  /** An evaluation harness: one format, an optional fixed few-shot prefix, one item a request. */
  record Eval(Settings s, String format, String fewShot) implements Voice {
    @Override
    public Utterance speak(Turn t, SplittableRandom r) {
      String p = fewShot + format.replace("{q}", TaskPhrases.evalItem(r));
      return s.say(t.ts, p, Voice.served(r, 320, 0.6, s.maxTokens()), false);
    }
  }

  /** One enterprise template, filled with a new record per request. */
  record Enterprise(Settings s, String template, double medianOut) implements Voice {
    @Override
    public Utterance speak(Turn t, SplittableRandom r) {
      String p = Template.any(template, n -> TaskPhrases.enterpriseSlot(n, r), r);
      return s.say(t.ts, p, Voice.served(r, medianOut, 0.5, s.maxTokens()), false);
    }
  }

  /** A student: the class's homework, pasted (mostly verbatim), then questions about it. */
  record Student(Settings s, String homework, double verbatim) implements Voice {
    private static final String[] WRAPS = {"pls help: ", "", "can you do this ", "", "help "};

    @Override
    public Utterance speak(Turn t, SplittableRandom r) {
      String p;
      if (t.turn > 0) {
        p = TaskPhrases.homeworkFollowUp(r);
      } else if (r.nextDouble() < verbatim) {
        p = homework;
      } else {
        p = Dist.pick(r, WRAPS) + Template.noise(homework, 0.5, r);
      }
      return s.say(t.ts, p, Voice.served(r, 550, 0.5, s.maxTokens()), false);
    }
  }

  /** A hackathon participant: the event's starter prompts verbatim, or their own code questions. */
  @SuppressWarnings("ArrayRecordComponent") // starters is only read (picked from), never compared
  record Hacker(Settings s, String[] starters, double starterShare) implements Voice {
    @Override
    public Utterance speak(Turn t, SplittableRandom r) {
      String p;
      if (t.turn == 0 && r.nextDouble() < starterShare) {
        p = Dist.pick(r, starters);
      } else {
        p = t.turn == 0 ? CodePhrases.ask(r) : CodePhrases.followUp(r);
      }
      return s.say(t.ts, p, Voice.served(r, 300, 0.8, s.maxTokens()), false);
    }
  }

  /** The trending prompt, sent as a one-off by an account with its own chat settings. */
  record Trending(Settings s, String text, double verbatim) implements Voice {
    private static final String[] TWISTS = {"lol ", "ok ", "try this: ", ""};

    @Override
    public Utterance speak(Turn t, SplittableRandom r) {
      String p =
          r.nextDouble() < verbatim ? text : Dist.pick(r, TWISTS) + Template.noise(text, 0.6, r);
      return s.say(t.ts, p, Voice.served(r, 300, 0.6, s.maxTokens()), false);
    }
  }
}
